import { and, asc, count, desc, eq, inArray, lt } from 'drizzle-orm';
import { notFound } from '../../shared/errors.js';
import { formatRef, parseDatasetRef, type DatasetRef } from '../../shared/refs.js';
import type { DatasetVersion } from '../../shared/schemas/datasets.js';
import type { ProjectScope, Scope } from '../core/scope.js';
import { datasetAliases, datasets, datasetVersions, type DatasetRow, type DatasetVersionRow } from '../db/schema.js';
import { isUniqueViolation } from '../db/errors.js';

export async function findDataset({ db, projectId }: ProjectScope, name: string): Promise<DatasetRow | null> {
  const [row] = await db.select().from(datasets).where(and(eq(datasets.projectId, projectId), eq(datasets.name, name)));
  return row ?? null;
}

export async function getDataset(scope: ProjectScope, name: string): Promise<DatasetRow> {
  const row = await findDataset(scope, name);
  if (!row) throw notFound(`dataset "${name}" not found in this project (push a version to create it)`);
  return row;
}

/** The dataset, made on its first draft; a concurrent twin that made it first is read back. */
export async function ensureDataset(scope: Scope, name: string): Promise<DatasetRow> {
  const found = await findDataset(scope, name);
  if (found) return found;
  try {
    await scope.db.insert(datasets).values({ projectId: scope.projectId, name, createdBy: scope.principal?.keyId ?? null, createdAt: scope.now() });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
  return getDataset(scope, name);
}

export async function latestVersion({ db }: ProjectScope, dataset: DatasetRow): Promise<DatasetVersionRow | null> {
  const [row] = await db.select().from(datasetVersions).where(eq(datasetVersions.datasetId, dataset.id)).orderBy(desc(datasetVersions.version)).limit(1);
  return row ?? null;
}

export async function aliasesOf({ db }: ProjectScope, dataset: DatasetRow): Promise<Map<string, number>> {
  const rows = await db.select().from(datasetAliases).where(eq(datasetAliases.datasetId, dataset.id)).orderBy(asc(datasetAliases.alias));
  return new Map(rows.map((r) => [r.alias, r.version]));
}

async function versionRow({ db }: ProjectScope, dataset: DatasetRow, version: number): Promise<DatasetVersionRow> {
  const [row] = await db.select().from(datasetVersions).where(and(eq(datasetVersions.datasetId, dataset.id), eq(datasetVersions.version, version)));
  if (!row) throw notFound(`dataset "${dataset.name}" has no version ${version}`);
  return row;
}

/** A version by ref within a resolved dataset: a number, an alias, or the latest. */
export async function resolveVersion(scope: ProjectScope, dataset: DatasetRow, ref: DatasetRef): Promise<DatasetVersionRow> {
  if ('version' in ref) return versionRow(scope, dataset, ref.version);
  if ('alias' in ref) {
    const aliases = await aliasesOf(scope, dataset);
    const version = aliases.get(ref.alias);
    if (version === undefined) throw notFound(`dataset "${dataset.name}" has no alias "${ref.alias}" (aliases: ${[...aliases.keys()].join(', ') || 'none'})`);
    return versionRow(scope, dataset, version);
  }
  const latest = await latestVersion(scope, dataset);
  if (!latest) throw notFound(`dataset "${dataset.name}" has no versions yet`);
  return latest;
}

/** The `{version}` segment of a route: a number, `latest`, or an alias. */
export function versionSegment(name: string, segment: string): DatasetRef {
  if (segment === 'latest') return { name, latest: true };
  return parseDatasetRef(/^\d+$/.test(segment) ? `${name}/${segment}` : `${name}@${segment}`);
}

/** A dataset and one of its versions from a route's name and version segment. */
export async function resolveRoute(scope: ProjectScope, name: string, segment: string) {
  const dataset = await getDataset(scope, name);
  return { dataset, version: await resolveVersion(scope, dataset, versionSegment(name, segment)) };
}

/** A full ref (`ds/3`, `ds@alias`, `ds`) in the scope's project. */
export async function resolveRef(scope: ProjectScope, text: string) {
  const ref = parseDatasetRef(text);
  const dataset = await getDataset(scope, ref.name);
  return { dataset, version: await resolveVersion(scope, dataset, ref) };
}

export function versionJson(dataset: DatasetRow, row: DatasetVersionRow, aliases: Map<string, number>): DatasetVersion {
  return {
    dataset: dataset.name,
    version: row.version,
    ref: formatRef({ name: dataset.name, version: row.version }),
    parentVersion: row.parentVersion,
    manifestDigest: row.manifestDigest,
    files: row.files,
    bytes: row.bytes,
    message: row.message,
    tags: row.tags,
    aliases: [...aliases].filter(([, v]) => v === row.version).map(([a]) => a),
    createdBy: row.createdBy,
    createdAt: row.createdAt,
  };
}

export async function describeVersion(scope: ProjectScope, dataset: DatasetRow, row: DatasetVersionRow) {
  return versionJson(dataset, row, await aliasesOf(scope, dataset));
}

/** Versions newest first, `limit` at a time; `before` is the last version number of the page before. */
export async function listVersions(scope: ProjectScope, dataset: DatasetRow, before: number | undefined, limit: number) {
  const where = before === undefined ? eq(datasetVersions.datasetId, dataset.id) : and(eq(datasetVersions.datasetId, dataset.id), lt(datasetVersions.version, before));
  const rows = await scope.db.select().from(datasetVersions).where(where).orderBy(desc(datasetVersions.version)).limit(limit + 1);
  const aliases = await aliasesOf(scope, dataset);
  const page = rows.slice(0, limit);
  return { versions: page.map((r) => versionJson(dataset, r, aliases)), next: rows.length > limit ? page[page.length - 1]!.version : null };
}

export async function datasetJson(scope: ProjectScope, dataset: DatasetRow) {
  const [latest, aliases, [counted]] = await Promise.all([
    latestVersion(scope, dataset),
    aliasesOf(scope, dataset),
    scope.db.select({ n: count() }).from(datasetVersions).where(eq(datasetVersions.datasetId, dataset.id)),
  ]);
  return {
    name: dataset.name,
    latest: latest ? versionJson(dataset, latest, aliases) : null,
    versions: counted?.n ?? 0,
    aliases: Object.fromEntries(aliases),
    createdAt: dataset.createdAt,
  };
}

export async function listDatasets(scope: ProjectScope) {
  const rows = await scope.db.select().from(datasets).where(eq(datasets.projectId, scope.projectId)).orderBy(asc(datasets.name));
  return Promise.all(rows.map((r) => datasetJson(scope, r)));
}

/** Points the alias at a version; pointing it where it points changes nothing. */
export async function setAlias(scope: Scope, dataset: DatasetRow, alias: string, version: number) {
  const row = await versionRow(scope, dataset, version);
  const at = scope.now();
  await scope.db
    .insert(datasetAliases)
    .values({ datasetId: dataset.id, alias, version: row.version, updatedAt: at })
    .onConflictDoUpdate({ target: [datasetAliases.datasetId, datasetAliases.alias], set: { version: row.version, updatedAt: at } });
  return describeVersion(scope, dataset, row);
}

export async function deleteAlias(scope: ProjectScope, dataset: DatasetRow, alias: string) {
  const aliases = await aliasesOf(scope, dataset);
  if (!aliases.has(alias)) throw notFound(`dataset "${dataset.name}" has no alias "${alias}" (aliases: ${[...aliases.keys()].join(', ') || 'none'})`);
  await scope.db.delete(datasetAliases).where(and(eq(datasetAliases.datasetId, dataset.id), inArray(datasetAliases.alias, [alias])));
}
