import { asc, eq } from 'drizzle-orm';
import { clip } from '../core/preview.js';
import { z } from 'zod';
import { OutpostError } from '../../shared/errors.js';
import { aliasSchema, modelNameSchema } from '../../shared/schemas/registry.js';
import type { ProjectScope, Scope } from '../core/scope.js';
import type { Db } from '../db/client.js';
import { modelAliases, type ModelVersionRow, type RegisteredModelRow } from '../db/schema.js';
import { findModel } from '../registry/models.js';
import { latestVersion } from '../registry/latest.js';
import { getVersionRow, versionAliases } from '../registry/versions.js';
import { doesNotExist, invalidParam, MlflowError } from './errors.js';
import { requiredString } from './fields.js';

/**
 * Outpost's registry as MLflow's model_registry.proto JSON. As MessageToJson does for proto2, unset fields and empty
 * lists are left out: a registered model's description only when set, a version's always (MLflow sets it to "").
 * Version numbers are strings on the wire; Outpost has one stage, so every version is READY in stage "None".
 */


/**
 * Outpost versions have no source column, so the source an MLflow client registered from is kept as this version
 * tag. MLflow replies leave it out of `tags`; /v1 shows it as an ordinary tag.
 */
export const SOURCE_TAG = 'outpost.mlflow.source';

const pairs = (record: Record<string, string>) => Object.entries(record).map(([key, value]) => ({ key, value }));
const list = <K extends string, T>(name: K, items: T[]) => (items.length ? { [name]: items } : {}) as Partial<Record<K, T[]>>;

export function modelVersionJson(model: RegisteredModelRow, row: ModelVersionRow, aliases: string[]) {
  const { [SOURCE_TAG]: source, ...tags } = row.tags;
  return {
    name: model.name,
    version: String(row.version),
    creation_timestamp: row.createdAt,
    // Versions change only in description and tags, and Outpost records no time for that.
    last_updated_timestamp: row.createdAt,
    ...(row.createdBy ? { user_id: row.createdBy } : {}),
    current_stage: 'None',
    description: row.description,
    source: source ?? `models:/${model.name}/${row.version}`,
    ...(row.sourceRunId ? { run_id: row.sourceRunId } : {}),
    status: 'READY',
    ...list('tags', pairs(tags)),
    ...list('aliases', aliases),
  };
}

/** `latest_versions` holds the newest version of each stage, and Outpost's versions all share stage "None". */
export async function registeredModelJson(db: Db, model: RegisteredModelRow) {
  const aliases = await db.select().from(modelAliases).where(eq(modelAliases.modelId, model.id)).orderBy(asc(modelAliases.alias));
  const latest = await latestVersion({ db }, model.id);
  const latestAliases = aliases.filter((a) => a.version === latest?.version).map((a) => a.alias);
  return {
    name: model.name,
    creation_timestamp: model.createdAt,
    last_updated_timestamp: model.updatedAt,
    ...(model.description ? { description: model.description } : {}),
    ...list('latest_versions', latest ? [modelVersionJson(model, latest, latestAliases)] : []),
    ...list('tags', pairs(model.tags)),
    ...list('aliases', aliases.map((a) => ({ alias: a.alias, version: String(a.version) }))),
  };
}

/** A version as MLflow's ModelVersion JSON, with the aliases that point at it. */
export async function modelVersionJsonOf(s: ProjectScope, model: RegisteredModelRow, row: ModelVersionRow) {
  return modelVersionJson(model, row, await versionAliases(s, model.id, row.version));
}

export const modelAlreadyExists = (name: string) => new MlflowError('RESOURCE_ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`);

const isNotFound = (err: unknown) => err instanceof OutpostError && err.status === 404;

/** The model, with MLflow's not-found wording. */
export async function loadModel(s: Scope, name: string): Promise<RegisteredModelRow> {
  try {
    return await findModel(s, name);
  } catch (err) {
    if (isNotFound(err)) throw doesNotExist(`Registered Model with name=${name} not found`);
    throw err;
  }
}

/** A version field: a string of digits in MLflow's JSON, though older clients send numbers. */
export const versionField = z.preprocess((v) => (typeof v === 'number' ? String(v) : v), requiredString);

export function versionNumber(version: string): number {
  const n = Number(version);
  // 400 digits parse to Infinity, which no database binds: the version must be a whole number JS holds exactly.
  if (!/^\s*\d+\s*$/.test(version) || n < 1 || !Number.isSafeInteger(n)) throw invalidParam(`Parameter 'version' must be an integer from 1 to ${Number.MAX_SAFE_INTEGER}, got '${clip(version)}'.`);
  return n;
}

export async function loadVersion(s: Scope, model: RegisteredModelRow, version: string): Promise<ModelVersionRow> {
  try {
    return await getVersionRow(s, model, versionNumber(version));
  } catch (err) {
    if (isNotFound(err)) throw doesNotExist(`Model Version (name=${model.name}, version=${version}) not found`);
    throw err;
  }
}

/** Outpost's stricter model names (DESIGN §10), refused with MLflow's code. */
export function checkModelName(name: string, field = 'name'): void {
  const result = modelNameSchema.safeParse(name);
  if (!result.success) throw invalidParam(`Invalid value '${name}' for parameter '${field}' supplied: a model name ${result.error.issues[0]!.message}.`);
}

/** MLflow's alias rule; `latest` and `v<digits>` are reserved because they name versions. */
export function checkAlias(alias: string): void {
  const result = aliasSchema.safeParse(alias);
  if (!result.success) throw invalidParam(`Invalid alias '${alias}': an alias ${result.error.issues[0]!.message}.`);
}
