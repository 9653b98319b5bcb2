import { and, asc, eq } from 'drizzle-orm';
import { sha256Digest } from '../../shared/digest.js';
import { conflict, notFound } from '../../shared/errors.js';
import type { FeatureDtype, HistoricalRequest, TrainingSet } from '../../shared/schemas/features.js';
import { readWholeBlob, recordProjectBlob } from '../blobs/access.js';
import type { Scope } from '../core/scope.js';
import { historicalFeatures } from './historical.js';
import { featureTrainingSets } from './schema.js';
import { dtypesOf, selectFeatures } from './selection.js';

type Row = typeof featureTrainingSets.$inferSelect;
interface Meta {
  features: string[];
  full_feature_names: boolean;
  createdFilter: boolean;
  /** Feature column name → field type, for Parquet. */
  dtypes: Record<string, FeatureDtype>;
}

const toSet = (r: Row): TrainingSet => {
  const meta = r.request as unknown as Meta;
  return {
    name: r.name,
    digest: r.digest,
    features: meta.features,
    full_feature_names: meta.full_feature_names,
    createdFilter: meta.createdFilter,
    rows: r.rows,
    blob: r.blob,
    created_by: r.createdBy,
    created_at: r.createdAt,
  };
};

/** sha256 of the request and the definitions of the views it reads: the same digest means the same question. */
async function definitionDigest(scope: Scope, request: HistoricalRequest): Promise<{ digest: string; refs: string[] }> {
  const features = await selectFeatures(scope, request);
  const refs = features.map((f) => `${f.view.def.name}:${f.field}`);
  const views = [...new Set(features.map((f) => f.view))].map((v) => v.def).sort((a, b) => (a.name < b.name ? -1 : 1));
  const canonical = JSON.stringify({ entities: request.entities, features: refs, full_feature_names: request.full_feature_names, createdFilter: request.createdFilter, views });
  return { digest: await sha256Digest(new TextEncoder().encode(canonical)), refs };
}

async function findSet(scope: Scope, name: string): Promise<Row | undefined> {
  const [row] = await scope.db
    .select()
    .from(featureTrainingSets)
    .where(and(eq(featureTrainingSets.projectId, scope.projectId), eq(featureTrainingSets.name, name)));
  return row;
}

const sameName = (name: string, digest: string) =>
  conflict(`training set "${name}" already exists with another definition (${digest}): the request or the views it reads differ; save under another name`);

/**
 * Saves a historical request's rows under a name: the rows go to a blob (frozen, so later pushes cannot change
 * them) and the definition digest to the row. Saving the same request under the same name again returns the set
 * already saved (`created: false`), without reading a row; another request under that name is 409.
 */
export async function saveTrainingSet(scope: Scope, name: string, request: HistoricalRequest): Promise<{ set: TrainingSet; created: boolean }> {
  const { digest, refs } = await definitionDigest(scope, request);
  const existing = await findSet(scope, name);
  if (existing) {
    if (existing.digest !== digest) throw sameName(name, existing.digest);
    return { set: toSet(existing), created: false };
  }
  const { columns, features } = await historicalFeatures(scope, request);
  const meta: Meta = {
    features: refs,
    full_feature_names: request.full_feature_names,
    createdFilter: request.createdFilter,
    dtypes: Object.fromEntries(dtypesOf(features)),
  };
  const bytes = new TextEncoder().encode(JSON.stringify({ digest, columns }));
  const { digest: blob, size } = await scope.blobs.putBytes(bytes);
  await recordProjectBlob(scope, blob, size);
  const rows = Object.values(columns)[0]?.length ?? 0;
  const row: Row = { projectId: scope.projectId, name, digest, request: meta as unknown as Record<string, unknown>, blob, rows, createdBy: scope.principal?.keyId ?? null, createdAt: scope.now() };
  const inserted = await scope.db.insert(featureTrainingSets).values(row).onConflictDoNothing().returning();
  if (inserted.length) return { set: toSet(row), created: true };
  // Another save of this name won the race: the same definition is that save, another is a conflict.
  const raced = await findSet(scope, name);
  if (raced && raced.digest === digest) return { set: toSet(raced), created: false };
  throw sameName(name, raced?.digest ?? '?');
}

export async function listTrainingSets(scope: Scope): Promise<TrainingSet[]> {
  const rows = await scope.db.select().from(featureTrainingSets).where(eq(featureTrainingSets.projectId, scope.projectId)).orderBy(asc(featureTrainingSets.name));
  return rows.map(toSet);
}

/** A saved set with its rows, read back from its blob; the dtypes of its features for a Parquet reply. */
export async function readTrainingSet(scope: Scope, name: string) {
  const row = await findSet(scope, name);
  if (!row) throw notFound(`no training set "${name}"`);
  const bytes = await readWholeBlob(scope.blobs, row.blob);
  const { columns } = JSON.parse(new TextDecoder().decode(bytes)) as { columns: Record<string, unknown[]> };
  return { set: toSet(row), columns, dtypes: new Map(Object.entries((row.request as unknown as Meta).dtypes)) };
}
