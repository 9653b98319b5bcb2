import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import { aliasEvents, modelAliases, modelVersions, registeredModels, telemetryDevices, telemetryMinutes, type ModelVersionRow, type RegisteredModelRow } from '../db/schema.js';
import { recomputeDeviceBlobs } from '../registry/versions.js';
import { MlflowError } from './errors.js';

/**
 * The registry writes MLflow has and Outpost's domain does not: deleting models and versions, renaming, and removing
 * tags. Each is one `db.batch` (D1 has no interactive transactions), so a failure leaves nothing half done.
 */

export const modelAlreadyExists = (name: string) => new MlflowError('RESOURCE_ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`);

/** The model with its versions, aliases, their history and its device telemetry: MLflow's delete is permanent too. */
export async function deleteModel(db: Db, model: RegisteredModelRow): Promise<void> {
  await db.batch([
    db.delete(telemetryMinutes).where(and(eq(telemetryMinutes.projectId, model.projectId), eq(telemetryMinutes.modelId, model.id))),
    db.delete(telemetryDevices).where(and(eq(telemetryDevices.projectId, model.projectId), eq(telemetryDevices.modelId, model.id))),
    db.delete(aliasEvents).where(eq(aliasEvents.modelId, model.id)),
    db.delete(modelAliases).where(eq(modelAliases.modelId, model.id)),
    db.delete(modelVersions).where(eq(modelVersions.modelId, model.id)),
    db.delete(registeredModels).where(eq(registeredModels.id, model.id)),
  ]);
  if (model.devices) await recomputeDeviceBlobs({ db, projectId: model.projectId });
}

/**
 * One version; aliases that pointed at it are removed, as MLflow does. Their removal goes into the alias history
 * like any other, so the audit log says where each alias went.
 */
export async function deleteVersion(db: Db, model: RegisteredModelRow, version: number, actor: string): Promise<void> {
  const pointing = await db.select().from(modelAliases).where(and(eq(modelAliases.modelId, model.id), eq(modelAliases.version, version)));
  const at = Date.now();
  const reason = `version ${version} was deleted`;
  await db.batch([
    db.delete(modelAliases).where(and(eq(modelAliases.modelId, model.id), eq(modelAliases.version, version))),
    db.delete(modelVersions).where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.version, version))),
    db.update(registeredModels).set({ updatedAt: at }).where(eq(registeredModels.id, model.id)),
    ...pointing.map((a) => db.insert(aliasEvents).values({ modelId: model.id, alias: a.alias, fromVersion: version, toVersion: null, actor, reason, at })),
  ]);
  // Publishable keys must lose the deleted version's files (unless another exposed version has them).
  if (model.devices) await recomputeDeviceBlobs({ db, projectId: model.projectId });
}

/** Renames in place: versions, aliases and history hang off the model's id, so they follow. */
export async function renameModel(db: Db, model: RegisteredModelRow, newName: string): Promise<RegisteredModelRow> {
  const next = { ...model, name: newName, updatedAt: Date.now() };
  try {
    await db.update(registeredModels).set({ name: next.name, updatedAt: next.updatedAt }).where(eq(registeredModels.id, model.id));
  } catch (err) {
    // The unique index on (project, name) decides a race with a create or another rename.
    if (isUniqueViolation(err)) throw modelAlreadyExists(newName);
    throw err;
  }
  return next;
}

const without = (tags: Record<string, string>, key: string) => Object.fromEntries(Object.entries(tags).filter(([k]) => k !== key));

/** Removing a tag the model does not have changes nothing, as in MLflow's stores. */
export async function deleteModelTag(db: Db, model: RegisteredModelRow, key: string): Promise<void> {
  if (!Object.hasOwn(model.tags, key)) return;
  await db.update(registeredModels).set({ tags: without(model.tags, key), updatedAt: Date.now() }).where(eq(registeredModels.id, model.id));
}

export async function deleteVersionTag(db: Db, version: ModelVersionRow, key: string): Promise<void> {
  if (!Object.hasOwn(version.tags, key)) return;
  await db
    .update(modelVersions)
    .set({ tags: without(version.tags, key) })
    .where(and(eq(modelVersions.modelId, version.modelId), eq(modelVersions.version, version.version)));
}
