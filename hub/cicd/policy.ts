import { and, eq } from 'drizzle-orm';
import { evaluateGate } from '../../shared/cicd/gate.js';
import { badRequest, conflict, forbidden, notFound } from '../../shared/errors.js';
import type { AliasPolicy } from '../../shared/schemas/cicd.js';
import type { z } from 'zod';
import type { aliasPolicyInputSchema } from '../../shared/schemas/cicd.js';
import type { ProjectScope } from '../core/scope.js';
import { modelAliases, modelVersions, type ModelVersionRow, type RegisteredModelRow } from '../db/schema.js';
import { metricsOfVersion } from './metrics.js';
import { aliasPolicies, type AliasPolicyRow } from './schema.js';

/** How a move may pass a failing gate: `force` with a reason, by an admin key. */
export interface ForceMove {
  force?: boolean;
  admin?: boolean;
}

const toPolicy = (row: AliasPolicyRow): AliasPolicy => ({ alias: row.alias, rules: row.rules, baseline: row.baseline ?? null, updatedBy: row.updatedBy, updatedAt: row.updatedAt });

export async function policyRow({ db }: ProjectScope, model: RegisteredModelRow, alias: string): Promise<AliasPolicyRow | undefined> {
  const [row] = await db.select().from(aliasPolicies).where(and(eq(aliasPolicies.modelId, model.id), eq(aliasPolicies.alias, alias)));
  return row;
}

/** Every policy of the model, by alias name. */
export async function listPolicies({ db }: ProjectScope, model: RegisteredModelRow): Promise<AliasPolicy[]> {
  const rows = await db.select().from(aliasPolicies).where(eq(aliasPolicies.modelId, model.id));
  return rows.map(toPolicy).sort((a, b) => a.alias.localeCompare(b.alias));
}

export async function getPolicy(scope: ProjectScope, model: RegisteredModelRow, alias: string): Promise<AliasPolicy> {
  const row = await policyRow(scope, model, alias);
  if (!row) throw notFound(`alias "${alias}" of model "${model.name}" has no policy`);
  return toPolicy(row);
}

/** Sets (or replaces) the policy; a baseline version must exist, a baseline alias may come later. Sending it twice stores it once. */
export async function setPolicy(scope: ProjectScope & { now: () => number }, model: RegisteredModelRow, alias: string, input: z.output<typeof aliasPolicyInputSchema>, actor: string | null): Promise<AliasPolicy> {
  if (typeof input.baseline === 'number') await versionRow(scope, model, input.baseline, `the policy's baseline: model "${model.name}" has no version ${input.baseline}`);
  const row: AliasPolicyRow = { modelId: model.id, alias, rules: input.rules, baseline: input.baseline ?? null, updatedBy: actor, updatedAt: scope.now() };
  await scope.db
    .insert(aliasPolicies)
    .values(row)
    .onConflictDoUpdate({ target: [aliasPolicies.modelId, aliasPolicies.alias], set: { rules: row.rules, baseline: row.baseline, updatedBy: actor, updatedAt: row.updatedAt } });
  return toPolicy(row);
}

export async function deletePolicy(scope: ProjectScope, model: RegisteredModelRow, alias: string): Promise<void> {
  await getPolicy(scope, model, alias);
  await scope.db.delete(aliasPolicies).where(and(eq(aliasPolicies.modelId, model.id), eq(aliasPolicies.alias, alias)));
}

async function versionRow({ db }: ProjectScope, model: RegisteredModelRow, version: number, message: string): Promise<ModelVersionRow> {
  const [row] = await db.select().from(modelVersions).where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.version, version)));
  if (!row) throw notFound(message);
  return row;
}

/** The version the policy compares with at this move; null when there is none yet (change rules are then skipped). */
async function baselineAtMove(scope: ProjectScope, model: RegisteredModelRow, policy: AliasPolicyRow, from: number | null): Promise<ModelVersionRow | null> {
  let version: number | null = from;
  if (typeof policy.baseline === 'number') version = policy.baseline;
  else if (typeof policy.baseline === 'string') {
    const [row] = await scope.db.select().from(modelAliases).where(and(eq(modelAliases.modelId, model.id), eq(modelAliases.alias, policy.baseline)));
    version = row?.version ?? null;
  }
  if (version === null) return null;
  const [row] = await scope.db.select().from(modelVersions).where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.version, version)));
  if (!row) throw conflict(`the policy of alias "${policy.alias}" compares with version ${version} of model "${model.name}", which no longer exists; update the policy`);
  return row;
}

/**
 * Checks a move of `alias` (now at `from`) to `candidate` against the alias's policy. A failing gate is a 409 that
 * lists the failures, unless an admin forces it with a reason; returns whether the move was forced past a failure.
 */
export async function checkAliasPolicy(
  scope: ProjectScope,
  model: RegisteredModelRow,
  alias: string,
  candidate: Pick<ModelVersionRow, 'metrics' | 'sourceRunId'> & { version?: number },
  from: number | null,
  reason: string,
  force: ForceMove = {},
): Promise<{ forced: boolean }> {
  if (force.force && !force.admin) throw forbidden(`forcing alias "${alias}" past its policy needs an admin key`);
  if (force.force && !reason.trim()) throw badRequest('a forced move needs a reason (it goes into the alias history)');
  const policy = await policyRow(scope, model, alias);
  if (!policy) return { forced: false };
  const baseline = await baselineAtMove(scope, model, policy, from);
  const candidateMetrics = await metricsOfVersion(scope, candidate);
  const baselineMetrics = baseline ? await metricsOfVersion(scope, baseline) : undefined;
  const { passed, results } = evaluateGate(policy.rules, candidateMetrics.metrics, baselineMetrics?.metrics);
  if (passed) return { forced: false };
  if (force.force) return { forced: true };
  const failures = results.filter((r) => !r.passed);
  const what = candidate.version === undefined ? 'the new version' : `version ${candidate.version}`;
  const against = baseline ? ` against version ${baseline.version}` : '';
  throw conflict(
    `${what} fails the policy of alias "${alias}" of model "${model.name}"${against}: ${failures.flatMap((f) => f.failures).join('; ')} (an admin key may force the move with a reason)`,
    { failures, baselineVersion: baseline?.version ?? null },
  );
}
