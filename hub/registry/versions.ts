import { and, asc, eq, inArray, max } from 'drizzle-orm';
import type { Digest } from '../../shared/digest.js';
import { badRequest, conflict, notFound, OutpostError } from '../../shared/errors.js';
import type { CreateVersion, ModelVersion, Signature } from '../../shared/schemas/registry.js';
import type { BlobStore } from '../blobs/store.js';
import type { Db } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import { blobs as blobsTable, modelAliases, modelVersions, projectBlobs, registeredModels, type ModelVersionRow, type RegisteredModelRow } from '../db/schema.js';
import { getRunRow, slices } from '../tracking/runs.js';
import { findModel } from './models.js';
import { OnnxParseError, readOnnxSignature } from './onnx/signature.js';
import { readTfjsSignature, TfjsModelError } from './tfjs.js';

export function toVersion(model: RegisteredModelRow, row: ModelVersionRow, aliases: string[]): ModelVersion {
  return {
    model: model.name,
    version: row.version,
    format: row.format,
    files: row.files,
    signature: row.signature,
    metrics: row.metrics,
    runId: row.sourceRunId,
    baseVersion: row.baseVersion,
    description: row.description,
    tags: row.tags,
    aliases,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
  };
}

async function readBlob(blobs: BlobStore, digest: string): Promise<Uint8Array> {
  const stream = await blobs.read(digest as Digest);
  if (!stream) throw conflict(`blob ${digest} is recorded but missing from the store`);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

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
      const { inputs, outputs } = readOnnxSignature(await readBlob(blobs, file.digest));
      return { inputs, outputs };
    }
    const file = pick((p) => p === 'model.json' || p.endsWith('/model.json'), 'a model.json');
    return readTfjsSignature(JSON.parse(new TextDecoder().decode(await readBlob(blobs, file.digest))));
  } catch (err) {
    if (err instanceof OnnxParseError || err instanceof TfjsModelError || err instanceof SyntaxError) {
      throw new OutpostError(400, 'bad_request', `cannot read the model's signature: ${err.message}`);
    }
    throw err;
  }
}

/** Files must all be uploaded to this project, with the sizes the manifest claims: 409 names what is missing. */
async function checkFiles(db: Db, projectId: string, input: CreateVersion) {
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

export async function createVersion(db: Db, blobs: BlobStore, projectId: string, actor: string, name: string, input: CreateVersion): Promise<ModelVersion> {
  const model = await findModel(db, projectId, name);
  await checkFiles(db, projectId, input);
  if (input.runId) await getRunRow(db, projectId, input.runId);
  if (input.baseVersion !== undefined) await getVersionRow(db, model, input.baseVersion);
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
      baseVersion: input.baseVersion ?? null,
      description: input.description ?? '',
      tags: input.tags ?? {},
      createdBy: actor,
      createdAt: Date.now(),
    };
    try {
      await db.insert(modelVersions).values(row);
    } catch (err) {
      // Two registrations raced for the same number: the loser takes the next one.
      if (attempt < 5 && isUniqueViolation(err)) continue;
      throw err;
    }
    if (model.devices) await exposeFiles(db, projectId, input.files.map((f) => f.digest));
    return toVersion(model, row, []);
  }
}

/**
 * Which blobs publishable keys may read: exactly those of versions of models exposed to devices. Run after a
 * model stops being exposed or a version or model is deleted; hidden first, then re-exposed, so a blob shared
 * with another exposed model stays readable.
 */
export async function recomputeDeviceBlobs(db: Db, projectId: string) {
  await db.update(projectBlobs).set({ deviceVisible: false }).where(eq(projectBlobs.projectId, projectId));
  const exposed = await db
    .select({ files: modelVersions.files })
    .from(modelVersions)
    .innerJoin(registeredModels, eq(registeredModels.id, modelVersions.modelId))
    .where(and(eq(registeredModels.projectId, projectId), eq(registeredModels.devices, true)));
  await exposeFiles(db, projectId, exposed.flatMap((v) => v.files.map((f) => f.digest)));
}

/** Lets publishable keys read these blobs (they belong to a model exposed to devices). */
export async function exposeFiles(db: Db, projectId: string, digests: string[]) {
  for (const slice of slices([...new Set(digests)])) {
    await db.update(projectBlobs).set({ deviceVisible: true }).where(and(eq(projectBlobs.projectId, projectId), inArray(projectBlobs.digest, slice)));
  }
}

export async function getVersionRow(db: Db, model: RegisteredModelRow, version: number): Promise<ModelVersionRow> {
  const [row] = await db.select().from(modelVersions).where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.version, version)));
  if (!row) throw notFound(`model "${model.name}" has no version ${version}`);
  return row;
}

export async function versionAliases(db: Db, modelId: string, version: number): Promise<string[]> {
  const rows = await db.select({ alias: modelAliases.alias }).from(modelAliases).where(and(eq(modelAliases.modelId, modelId), eq(modelAliases.version, version)));
  return rows.map((r) => r.alias).sort();
}

export async function listVersions(db: Db, model: RegisteredModelRow): Promise<ModelVersion[]> {
  const rows = await db.select().from(modelVersions).where(eq(modelVersions.modelId, model.id)).orderBy(asc(modelVersions.version));
  const aliases = await db.select().from(modelAliases).where(eq(modelAliases.modelId, model.id));
  return rows.map((r) => toVersion(model, r, aliases.filter((a) => a.version === r.version).map((a) => a.alias).sort()));
}

/** Only description and tags change after creation: files, format and signature are the version. */
export async function updateVersion(db: Db, model: RegisteredModelRow, version: number, patch: { description?: string; tags?: Record<string, string> }) {
  const row = await getVersionRow(db, model, version);
  const next = { ...row, description: patch.description ?? row.description, tags: patch.tags ? { ...row.tags, ...patch.tags } : row.tags };
  await db.update(modelVersions).set({ description: next.description, tags: next.tags }).where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.version, version)));
  return toVersion(model, next, await versionAliases(db, model.id, version));
}
