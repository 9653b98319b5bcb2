import { emitEvent } from '../webhooks/events.js';
import { and, asc, eq, inArray, max } from 'drizzle-orm';
import { sha256Digest } from '../../shared/digest.js';
import { badRequest, conflict, notFound, OutpostError } from '../../shared/errors.js';
import { clientRunIdSchema } from '../../shared/schemas/sync.js';
import type { CreateVersion, Lineage, ModelVersion, Signature } from '../../shared/schemas/registry.js';
import type { BlobStore } from '../blobs/store.js';
import type { ProjectScope, Scope } from '../core/scope.js';
import { isUniqueViolation } from '../db/errors.js';
import { blobs as blobsTable, modelAliases, modelVersions, projectBlobs, registeredModels, type ModelVersionRow, type RegisteredModelRow } from '../db/schema.js';
import { getRunRow, slices } from '../tracking/runs.js';
import { getService } from '../features/registry.js';
import { versionsReadBy } from '../datasets/lineage.js';
import { readWholeBlob } from '../blobs/access.js';
import { findModel } from './models.js';
import { OnnxParseError, readOnnxSignature } from './onnx/signature.js';
import { readTfjsSignature, TfjsModelError } from './tfjs.js';

export function toVersion(model: RegisteredModelRow, row: ModelVersionRow, aliases: string[], baseModel: string | null = null, datasets: string[] = []): ModelVersion {
  return {
    model: model.name,
    version: row.version,
    format: row.format,
    files: row.files,
    signature: row.signature,
    metrics: row.metrics,
    runId: row.sourceRunId,
    baseModel: row.baseVersion === null ? null : (baseModel ?? model.name),
    baseVersion: row.baseVersion,
    featureService: row.featureService,
    datasets,
    description: row.description,
    tags: row.tags,
    aliases,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
  };
}

/** The name of the model a version was fine-tuned from; null when that model has since been deleted. */
export async function baseModelName({ db }: ProjectScope, model: RegisteredModelRow, row: ModelVersionRow): Promise<string | null> {
  if (row.baseModelId === null || row.baseModelId === model.id) return model.name;
  const [base] = await db.select({ name: registeredModels.name }).from(registeredModels).where(eq(registeredModels.id, row.baseModelId));
  return base?.name ?? null;
}

/** Where a version came from: its run, and for a fine-tune the model and version it started from. */
export async function lineageOf(scope: ProjectScope, model: RegisteredModelRow, row: ModelVersionRow): Promise<Lineage> {
  return { runId: row.sourceRunId, baseModel: row.baseVersion === null ? null : await baseModelName(scope, model, row), baseVersion: row.baseVersion };
}

/** One version as the API shows it, with its aliases and lineage resolved. */
export async function modelVersionOf(scope: ProjectScope, model: RegisteredModelRow, row: ModelVersionRow): Promise<ModelVersion> {
  return toVersion(model, row, await versionAliases(scope, model.id, row.version), (await lineageOf(scope, model, row)).baseModel, await datasetsOf(scope, row));
}

/** The dataset versions the version's source run read (`ds/3`), sorted by name and version. */
async function datasetsOf(scope: Pick<Scope, 'db'>, row: ModelVersionRow): Promise<string[]> {
  return row.sourceRunId ? ((await versionsReadBy(scope, [row.sourceRunId])).get(row.sourceRunId) ?? []) : [];
}

/** A device names its run by the UUID it made (dashes and all); the hub stores it as 32 lowercase hex digits. */
export function withHubRunId(input: CreateVersion): CreateVersion {
  if (input.runId === undefined || !clientRunIdSchema.safeParse(input.runId).success) return input;
  return { ...input, runId: input.runId.replace(/-/g, '').toLowerCase() };
}

/** What makes a run's publish the same publish again: the run, the base, the format and the files. */
export async function publishKeyOf(input: CreateVersion): Promise<string | null> {
  if (!input.runId) return null;
  const files = [...input.files].sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => [f.path, f.digest, f.size]);
  return sha256Digest(new TextEncoder().encode(JSON.stringify([input.runId, input.baseModel ?? null, input.baseVersion ?? null, input.format, files])));
}

async function findPublished({ db }: ProjectScope, model: RegisteredModelRow, publishKey: string): Promise<ModelVersionRow | undefined> {
  const [row] = await db.select().from(modelVersions).where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.publishKey, publishKey)));
  return row;
}

const MAX_MODEL_JSON_BYTES = 32 * 1024 * 1024;

/** The signature as given, or read from the model itself: the ONNX graph, or a tfjs model.json. */
async function signatureOf(blobs: BlobStore, input: CreateVersion): Promise<Signature> {
  if (input.signature) return input.signature;
  const pick = (test: (path: string) => boolean, what: string) => {
    const file = input.files.find((f) => test(f.path));
    if (!file) throw badRequest(`a ${input.format} version needs ${what} among its files (or an explicit signature)`);
    return file;
  };
  try {
    if (input.format === 'onnx') {
      const file = pick((p) => p.endsWith('.onnx'), 'an .onnx file');
      const { inputs, outputs } = readOnnxSignature(await readWholeBlob(blobs, file.digest));
      return { inputs, outputs };
    }
    const file = pick((p) => p === 'model.json' || p.endsWith('/model.json'), 'a model.json');
    // A model.json holds the topology only (weights live in .bin files): a large one is not read into memory.
    if (file.size > MAX_MODEL_JSON_BYTES) throw badRequest(`${file.path} is ${file.size} bytes; a model.json read for its signature may be at most ${MAX_MODEL_JSON_BYTES} (or give an explicit signature)`);
    return readTfjsSignature(JSON.parse(new TextDecoder().decode(await readWholeBlob(blobs, file.digest))));
  } catch (err) {
    if (err instanceof OnnxParseError || err instanceof TfjsModelError || err instanceof SyntaxError) {
      throw new OutpostError(400, 'bad_request', `cannot read the model's signature: ${err.message}`);
    }
    throw err;
  }
}

/** Files must all be uploaded to this project, with the sizes the manifest claims: 409 names what is missing. */
async function checkFiles({ db, projectId }: ProjectScope, input: CreateVersion) {
  const digests = [...new Set(input.files.map((f) => f.digest))];
  const sizes = new Map<string, number>();
  for (const slice of slices(digests)) {
    const rows = await db
      .select({ digest: projectBlobs.digest, size: blobsTable.size })
      .from(projectBlobs)
      .innerJoin(blobsTable, eq(blobsTable.digest, projectBlobs.digest))
      .where(and(eq(projectBlobs.projectId, projectId), inArray(projectBlobs.digest, slice)));
    for (const r of rows) sizes.set(r.digest, r.size);
  }
  const missing = digests.filter((d) => !sizes.has(d));
  if (missing.length) throw conflict(`upload these blobs first: ${missing.join(', ')}`, { missing });
  for (const f of input.files) {
    if (sizes.get(f.digest) !== f.size) throw badRequest(`file "${f.path}" says ${f.size} bytes but blob ${f.digest} has ${sizes.get(f.digest)}`);
  }
}

/**
 * Registers a version. With a `publishKey` (see publishKeyOf) a version already made by the same publish is
 * returned instead of a new one (`created: false`), so a client may retry a publish whose reply it lost.
 */
export async function createVersion(
  scope: Pick<Scope, 'db' | 'blobs' | 'projectId'>,
  model: RegisteredModelRow,
  actor: string,
  input: CreateVersion,
  publishKey: string | null = null,
): Promise<{ version: ModelVersion; created: boolean }> {
  const { db, blobs } = scope;
  const again = async () => {
    const row = publishKey ? await findPublished(scope, model, publishKey) : undefined;
    return row && { version: await modelVersionOf(scope, model, row), created: false };
  };
  const earlier = await again();
  if (earlier) return earlier;
  if (input.baseModel !== undefined && input.baseVersion === undefined) throw badRequest(`baseModel "${input.baseModel}" needs baseVersion: the version of it this one was fine-tuned from`);
  const base = input.baseModel === undefined || input.baseModel === model.name ? model : await findModel(scope, input.baseModel);
  await checkFiles(scope, input);
  if (input.runId) await getRunRow(scope, input.runId);
  if (input.baseVersion !== undefined) await getVersionRow(scope, base, input.baseVersion);
  if (input.featureService !== undefined) await getService(scope, input.featureService);
  const signature = await signatureOf(blobs, input);
  for (let attempt = 0; ; attempt++) {
    const [top] = await db.select({ v: max(modelVersions.version) }).from(modelVersions).where(eq(modelVersions.modelId, model.id));
    const row: ModelVersionRow = {
      modelId: model.id,
      version: (top?.v ?? 0) + 1,
      format: input.format,
      files: input.files,
      signature,
      metrics: input.metrics ?? {},
      sourceRunId: input.runId ?? null,
      baseModelId: input.baseVersion === undefined ? null : base.id,
      baseVersion: input.baseVersion ?? null,
      featureService: input.featureService ?? null,
      description: input.description ?? '',
      tags: input.tags ?? {},
      createdBy: actor,
      createdAt: Date.now(),
      publishKey,
    };
    const events = await emitEvent(scope, 'model_version.created', { model: model.name, version: row.version, format: row.format, runId: row.sourceRunId, metrics: row.metrics, createdBy: actor });
    try {
      await db.batch([db.insert(modelVersions).values(row), ...events]);
    } catch (err) {
      // The same publish raced this one and won: its version is the answer.
      const raced = isUniqueViolation(err) ? await again() : undefined;
      if (raced) return raced;
      // Two registrations raced for the same number: the loser takes the next one.
      if (attempt < 5 && isUniqueViolation(err)) continue;
      throw err;
    }
    if (model.devices) await exposeFiles(scope, input.files.map((f) => f.digest));
    return { version: toVersion(model, row, [], base.name, await datasetsOf(scope, row)), created: true };
  }
}

/**
 * Which blobs publishable keys may read: exactly those of versions of models exposed to devices. Run after a
 * model stops being exposed or a version or model is deleted; hidden first, then re-exposed, so a blob shared
 * with another exposed model stays readable.
 */
export async function recomputeDeviceBlobs(scope: ProjectScope) {
  const { db, projectId } = scope;
  await db.update(projectBlobs).set({ deviceVisible: false }).where(eq(projectBlobs.projectId, projectId));
  const exposed = await db
    .select({ files: modelVersions.files })
    .from(modelVersions)
    .innerJoin(registeredModels, eq(registeredModels.id, modelVersions.modelId))
    .where(and(eq(registeredModels.projectId, projectId), eq(registeredModels.devices, true)));
  await exposeFiles(scope, exposed.flatMap((v) => v.files.map((f) => f.digest)));
}

/** Lets publishable keys read these blobs (they belong to a model exposed to devices). */
export async function exposeFiles({ db, projectId }: ProjectScope, digests: string[]) {
  for (const slice of slices([...new Set(digests)])) {
    await db.update(projectBlobs).set({ deviceVisible: true }).where(and(eq(projectBlobs.projectId, projectId), inArray(projectBlobs.digest, slice)));
  }
}

/** Base model names by id for a list of versions, in one query. */
async function baseModelNames({ db }: ProjectScope, model: RegisteredModelRow, rows: ModelVersionRow[]): Promise<Map<string, string>> {
  const names = new Map([[model.id, model.name]]);
  const ids = [...new Set(rows.map((r) => r.baseModelId).filter((id): id is string => id !== null && id !== model.id))];
  for (const slice of slices(ids)) {
    for (const r of await db.select({ id: registeredModels.id, name: registeredModels.name }).from(registeredModels).where(inArray(registeredModels.id, slice))) names.set(r.id, r.name);
  }
  return names;
}

export async function getVersionRow({ db }: ProjectScope, model: RegisteredModelRow, version: number): Promise<ModelVersionRow> {
  const [row] = await db.select().from(modelVersions).where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.version, version)));
  if (!row) throw notFound(`model "${model.name}" has no version ${version}`);
  return row;
}

export async function versionAliases({ db }: ProjectScope, modelId: string, version: number): Promise<string[]> {
  const rows = await db.select({ alias: modelAliases.alias }).from(modelAliases).where(and(eq(modelAliases.modelId, modelId), eq(modelAliases.version, version)));
  return rows.map((r) => r.alias).sort();
}

export async function listVersions(scope: ProjectScope, model: RegisteredModelRow): Promise<ModelVersion[]> {
  const { db } = scope;
  const rows = await db.select().from(modelVersions).where(eq(modelVersions.modelId, model.id)).orderBy(asc(modelVersions.version));
  const aliases = await db.select().from(modelAliases).where(eq(modelAliases.modelId, model.id));
  const bases = await baseModelNames(scope, model, rows);
  const datasets = await versionsReadBy(scope, rows.map((r) => r.sourceRunId));
  return rows.map((r) =>
    toVersion(model, r, aliases.filter((a) => a.version === r.version).map((a) => a.alias).sort(), bases.get(r.baseModelId ?? model.id) ?? null, (r.sourceRunId && datasets.get(r.sourceRunId)) || []),
  );
}

/** Only description and tags change after creation: files, format and signature are the version. */
export async function updateVersion(scope: ProjectScope, model: RegisteredModelRow, version: number, patch: { description?: string; tags?: Record<string, string> }) {
  const row = await getVersionRow(scope, model, version);
  const next = { ...row, description: patch.description ?? row.description, tags: patch.tags ? { ...row.tags, ...patch.tags } : row.tags };
  await scope.db.update(modelVersions).set({ description: next.description, tags: next.tags }).where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.version, version)));
  return modelVersionOf(scope, model, next);
}
