import { and, eq } from 'drizzle-orm';
import type { Scope } from '../core/scope.js';
import { aliasPolicies } from '../cicd/schema.js';
import { forgetTelemetry } from '../telemetry/forget.js';
import { abortRolloutsOf, forgetRollouts } from '../rollouts/forget.js';
import { aliasEvents, modelAliases, modelVersions, registeredModels, type ModelVersionRow, type RegisteredModelRow } from './schema.js';
import { recomputeDeviceBlobs } from './versions.js';

/**
 * Deleting models, versions and tags. Each delete is one `db.batch` (D1 has no interactive transactions), so a
 * failure leaves nothing half done; deletes are permanent, as MLflow's are.
 */

type Writer = Pick<Scope, 'db' | 'projectId' | 'principal' | 'now'>;

/** The model with its versions, aliases, their history and its device telemetry. */
export async function deleteModel(s: Writer, model: RegisteredModelRow): Promise<void> {
  const { db } = s;
  await db.batch([
    ...forgetTelemetry(s, model.id),
    ...forgetRollouts(s, model.id),
    db.delete(aliasEvents).where(eq(aliasEvents.modelId, model.id)),
    db.delete(aliasPolicies).where(eq(aliasPolicies.modelId, model.id)),
    db.delete(modelAliases).where(eq(modelAliases.modelId, model.id)),
    db.delete(modelVersions).where(eq(modelVersions.modelId, model.id)),
    db.delete(registeredModels).where(eq(registeredModels.id, model.id)),
  ]);
  if (model.devices) await recomputeDeviceBlobs(s);
}

/**
 * One version, with its device telemetry; aliases that pointed at it are removed, as MLflow does. Their removal goes
 * into the alias history like any other move, so the audit log says where each alias went.
 */
export async function deleteVersion(s: Writer, model: RegisteredModelRow, version: ModelVersionRow): Promise<void> {
  const { db } = s;
  const n = version.version;
  const pointing = await db.select().from(modelAliases).where(and(eq(modelAliases.modelId, model.id), eq(modelAliases.version, n)));
  const at = s.now();
  const actor = s.principal?.keyId ?? null;
  const reason = `version ${n} was deleted`;
  await db.batch([
    ...forgetTelemetry(s, model.id, n),
    abortRolloutsOf(s, model.id, n, actor ?? 'hub'),
    db.delete(modelAliases).where(and(eq(modelAliases.modelId, model.id), eq(modelAliases.version, n))),
    db.delete(modelVersions).where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.version, n))),
    db.update(registeredModels).set({ updatedAt: at }).where(eq(registeredModels.id, model.id)),
    ...pointing.map((a) => db.insert(aliasEvents).values({ modelId: model.id, alias: a.alias, fromVersion: n, toVersion: null, actor, reason, at })),
  ]);
  // Publishable keys must lose the deleted version's files (unless another exposed version has them).
  if (model.devices) await recomputeDeviceBlobs(s);
}

const without = (tags: Record<string, string>, key: string) => Object.fromEntries(Object.entries(tags).filter(([k]) => k !== key));

/** Removes one tag of the model; false when it has no such tag (nothing changes then). */
export async function deleteModelTag(s: Pick<Scope, 'db' | 'now'>, model: RegisteredModelRow, key: string): Promise<boolean> {
  if (!Object.hasOwn(model.tags, key)) return false;
  await s.db.update(registeredModels).set({ tags: without(model.tags, key), updatedAt: s.now() }).where(eq(registeredModels.id, model.id));
  return true;
}

/** Removes one tag of the version; false when it has no such tag (nothing changes then). */
export async function deleteVersionTag(s: Pick<Scope, 'db'>, version: ModelVersionRow, key: string): Promise<boolean> {
  if (!Object.hasOwn(version.tags, key)) return false;
  await s.db
    .update(modelVersions)
    .set({ tags: without(version.tags, key) })
    .where(and(eq(modelVersions.modelId, version.modelId), eq(modelVersions.version, version.version)));
  return true;
}
