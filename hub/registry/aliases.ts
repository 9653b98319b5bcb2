import { and, desc, eq } from 'drizzle-orm';
import { conflict, notFound } from '../../shared/errors.js';
import { checkAliasPolicy, type ForceMove } from '../cicd/policy.js';
import type { ProjectScope } from '../core/scope.js';
import { aliasEvents, modelAliases, type RegisteredModelRow } from '../db/schema.js';
import { emitEvent } from '../webhooks/events.js';
import { getVersionRow } from './versions.js';

export async function currentVersion({ db }: ProjectScope, modelId: string, alias: string): Promise<number | null> {
  const [row] = await db.select().from(modelAliases).where(and(eq(modelAliases.modelId, modelId), eq(modelAliases.alias, alias)));
  return row?.version ?? null;
}

/**
 * Points the alias at a version, recording the move and queuing its `alias.moved` event in one batch; pointing it
 * where it already points changes nothing. The alias's policy (hub/cicd/policy.ts) must pass, or an admin forces it.
 */
export async function moveAlias(scope: ProjectScope, model: RegisteredModelRow, alias: string, version: number, actor: string, reason = '', force: ForceMove = {}) {
  const { db } = scope;
  const row = await getVersionRow(scope, model, version);
  const from = await currentVersion(scope, model.id, alias);
  if (from === version) return { alias, from, to: version, moved: false };
  const { forced } = await checkAliasPolicy(scope, model, alias, row, from, reason, force);
  const at = Date.now();
  const events = await emitEvent(scope, 'alias.moved', { model: model.name, alias, from, to: version, actor, reason, forced });
  await db.batch([
    db
      .insert(modelAliases)
      .values({ modelId: model.id, alias, version, updatedAt: at })
      .onConflictDoUpdate({ target: [modelAliases.modelId, modelAliases.alias], set: { version, updatedAt: at } }),
    db.insert(aliasEvents).values({ modelId: model.id, alias, fromVersion: from, toVersion: version, actor, reason, forced, at }),
    ...events,
  ]);
  return { alias, from, to: version, moved: true, ...(forced ? { forced } : {}) };
}

export async function deleteAlias(scope: ProjectScope, model: RegisteredModelRow, alias: string, actor: string, reason = '') {
  const { db } = scope;
  const from = await currentVersion(scope, model.id, alias);
  if (from === null) throw notFound(`model "${model.name}" has no alias "${alias}"`);
  const events = await emitEvent(scope, 'alias.moved', { model: model.name, alias, from, to: null, actor, reason, forced: false });
  await db.batch([
    db.delete(modelAliases).where(and(eq(modelAliases.modelId, model.id), eq(modelAliases.alias, alias))),
    db.insert(aliasEvents).values({ modelId: model.id, alias, fromVersion: from, toVersion: null, actor, reason, at: Date.now() }),
    ...events,
  ]);
  return { alias, from, to: null, moved: true };
}

/** Moves the alias back to where its last move took it from: one call, recorded like any move (and gated like one). */
export async function rollbackAlias(scope: ProjectScope, model: RegisteredModelRow, alias: string, actor: string, reason = '', force: ForceMove = {}) {
  const [last] = await scope.db
    .select()
    .from(aliasEvents)
    .where(and(eq(aliasEvents.modelId, model.id), eq(aliasEvents.alias, alias)))
    .orderBy(desc(aliasEvents.id))
    .limit(1);
  if (!last) throw notFound(`model "${model.name}" has no alias "${alias}"`);
  if (last.fromVersion === null) throw conflict(`alias "${alias}" of model "${model.name}" has no earlier version to roll back to`);
  return moveAlias(scope, model, alias, last.fromVersion, actor, reason || `rollback from version ${last.toVersion ?? 'none'}`, force);
}

export async function aliasHistory({ db }: ProjectScope, model: RegisteredModelRow, alias?: string) {
  const rows = await db
    .select()
    .from(aliasEvents)
    .where(alias ? and(eq(aliasEvents.modelId, model.id), eq(aliasEvents.alias, alias)) : eq(aliasEvents.modelId, model.id))
    .orderBy(desc(aliasEvents.id));
  return rows.map((r) => ({ alias: r.alias, from: r.fromVersion, to: r.toVersion, actor: r.actor, reason: r.reason, forced: r.forced, at: r.at }));
}
