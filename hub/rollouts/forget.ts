import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { Scope } from '../core/scope.js';
import { rolloutFigures, rollouts } from './schema.js';

/** Statements, for a model deletion's batch, removing its rollouts and their figures. */
export function forgetRollouts({ db }: Pick<Scope, 'db'>, modelId: string) {
  return [
    db.delete(rolloutFigures).where(inArray(rolloutFigures.rolloutId, db.select({ id: rollouts.id }).from(rollouts).where(eq(rollouts.modelId, modelId)))),
    db.delete(rollouts).where(eq(rollouts.modelId, modelId)),
  ] as const;
}

/** A statement, for a version deletion's batch, aborting the rollouts in progress that serve that version. */
export function abortRolloutsOf({ db, now }: Pick<Scope, 'db' | 'now'>, modelId: string, version: number, actor: string) {
  const at = now();
  const entry = sql`json_object('at', ${at}, 'step', ${rollouts.step}, 'percent', 0, 'action', 'aborted', 'message', ${`version ${version} was deleted`}, 'candidate', null, 'stable', null, 'actor', ${actor})`;
  return db
    .update(rollouts)
    .set({ state: 'aborted', percent: 0, updatedAt: at, decisions: sql`json_insert(${rollouts.decisions}, '$[#]', ${entry})` })
    .where(and(eq(rollouts.modelId, modelId), sql`${rollouts.state} in ('running', 'paused')`, or(eq(rollouts.candidateVersion, version), eq(rollouts.stableVersion, version))));
}
