import { and, asc, desc, eq } from 'drizzle-orm';
import { conflict, notFound } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { RegisteredModel } from '../../shared/schemas/registry.js';
import type { ProjectScope } from '../core/scope.js';
import { isUniqueViolation } from '../db/errors.js';
import { modelAliases, registeredModels, type RegisteredModelRow } from '../db/schema.js';
import { latestVersion } from './latest.js';


export async function findModel({ db, projectId }: ProjectScope, name: string): Promise<RegisteredModelRow> {
  const [row] = await db.select().from(registeredModels).where(and(eq(registeredModels.projectId, projectId), eq(registeredModels.name, name)));
  if (!row) throw notFound(`model "${name}" does not exist`);
  return row;
}

export async function aliasesOf({ db }: ProjectScope, modelId: string): Promise<Record<string, number>> {
  const rows = await db.select().from(modelAliases).where(eq(modelAliases.modelId, modelId)).orderBy(asc(modelAliases.alias));
  return Object.fromEntries(rows.map((r) => [r.alias, r.version]));
}

export async function toModel(scope: ProjectScope, row: RegisteredModelRow): Promise<RegisteredModel> {
  const latest = await latestVersion(scope, row.id);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    tags: row.tags,
    devices: row.devices,
    aliases: await aliasesOf(scope, row.id),
    latestVersion: latest?.version ?? null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Registers a model; returns its row, so callers go on with it without looking it up again. */
export async function createModel(
  { db, projectId }: ProjectScope,
  actor: string,
  input: { name: string; description?: string; tags?: Record<string, string>; devices?: boolean },
): Promise<RegisteredModelRow> {
  const now = Date.now();
  const row: RegisteredModelRow = {
    id: newId('mdl'),
    projectId,
    name: input.name,
    description: input.description ?? '',
    tags: input.tags ?? {},
    devices: input.devices ?? false,
    createdBy: actor,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await db.insert(registeredModels).values(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`model "${input.name}" already exists`);
    throw err;
  }
  return row;
}

export async function listModels(scope: ProjectScope): Promise<RegisteredModel[]> {
  const rows = await scope.db.select().from(registeredModels).where(eq(registeredModels.projectId, scope.projectId)).orderBy(desc(registeredModels.updatedAt), asc(registeredModels.name));
  return Promise.all(rows.map((r) => toModel(scope, r)));
}

/**
 * Renames, describes or tags a model already resolved with findModel, or exposes it to devices. A renamed model keeps
 * its versions, aliases and history (they hang off its id); a name already taken is a 409.
 */
export async function updateModel(scope: ProjectScope, row: RegisteredModelRow, patch: { name?: string; description?: string; tags?: Record<string, string>; devices?: boolean }) {
  const next = { ...row, ...patch, tags: patch.tags ? { ...row.tags, ...patch.tags } : row.tags, updatedAt: Date.now() };
  try {
    await scope.db.update(registeredModels).set({ name: next.name, description: next.description, tags: next.tags, devices: next.devices, updatedAt: next.updatedAt }).where(eq(registeredModels.id, row.id));
  } catch (err) {
    // The unique index on (project, name) decides a race with a create or another rename.
    if (isUniqueViolation(err)) throw conflict(`model "${next.name}" already exists`);
    throw err;
  }
  return toModel(scope, next);
}

/** A publishable key reads a model only when it is exposed to devices; otherwise it does not exist for it. */
export function assertDeviceReadable(row: RegisteredModelRow, kind: 'secret' | 'publishable') {
  if (kind === 'publishable' && !row.devices) throw notFound(`model "${row.name}" does not exist or is not exposed to devices`);
}

