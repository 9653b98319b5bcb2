import { emitEvent } from '../webhooks/events.js';
import { and, eq, sql } from 'drizzle-orm';
import { badRequest, conflict, notFound } from '../../shared/errors.js';
import { DATASET_LIMITS, type DatasetFile } from '../../shared/schemas/datasets.js';
import type { ProjectScope, Scope } from '../core/scope.js';
import { isUniqueViolation } from '../db/errors.js';
import { datasetDraftFiles, datasetDrafts, datasetFiles, datasetVersions, type DatasetDraftRow, type DatasetRow } from '../db/schema.js';
import { describeVersion, latestVersion } from './datasets.js';
import { checkManifestPage } from './paths.js';
import { Sha256 } from './sha256.js';

/** Bytes of manifest JSON bound as one statement parameter (D1 takes strings up to 2 MB). */
const CHUNK_BYTES = 512 * 1024;
/** Draft rows read at a time while hashing a manifest on commit. */
const HASH_PAGE = 5000;

export async function getDraft({ db }: ProjectScope, dataset: DatasetRow, id: string): Promise<DatasetDraftRow> {
  const [row] = await db.select().from(datasetDrafts).where(and(eq(datasetDrafts.datasetId, dataset.id), eq(datasetDrafts.id, id)));
  if (!row) throw notFound(`dataset "${dataset.name}" has no draft "${id}" (open it with PUT /v1/datasets/${dataset.name}/drafts/${id})`);
  return row;
}

async function draftSize({ db }: ProjectScope, dataset: DatasetRow, id: string) {
  const [row] = await db.all<{ n: number; bytes: number }>(
    sql`select count(*) as n, coalesce(sum(size), 0) as bytes from dataset_draft_files where dataset_id = ${dataset.id} and draft_id = ${id}`,
  );
  return { files: Number(row?.n ?? 0), bytes: Number(row?.bytes ?? 0) };
}

export async function draftJson(scope: ProjectScope, dataset: DatasetRow, row: DatasetDraftRow) {
  const { files } = await draftSize(scope, dataset, row.id);
  return { id: row.id, dataset: dataset.name, files, message: row.message, tags: row.tags, committedVersion: row.committedVersion, createdAt: row.createdAt };
}

/** Opens a draft under the client's id; opening it again (a retry, a resumed push) finds the same draft, files and all. */
export async function openDraft(scope: Scope, dataset: DatasetRow, id: string, meta: { message: string; tags: Record<string, string> }) {
  await scope.db
    .insert(datasetDrafts)
    .values({ datasetId: dataset.id, id, message: meta.message, tags: meta.tags, createdBy: scope.principal?.keyId ?? null, createdAt: scope.now() })
    .onConflictDoNothing();
  return getDraft(scope, dataset, id);
}

/** Splits entries into chunks whose JSON stays under CHUNK_BYTES, each as the `[[path, digest, size, md5], …]` one statement binds. */
function jsonChunks(files: DatasetFile[]): string[] {
  const chunks: string[] = [];
  let rows: string[] = [];
  let bytes = 0;
  for (const f of files) {
    const row = JSON.stringify([f.path, f.digest, f.size, f.md5 ?? null]);
    if (bytes + row.length > CHUNK_BYTES && rows.length) (chunks.push(`[${rows.join(',')}]`), (rows = []), (bytes = 0));
    rows.push(row);
    bytes += row.length + 1;
  }
  if (rows.length) chunks.push(`[${rows.join(',')}]`);
  return chunks;
}

/**
 * Appends a page of the manifest. The page is checked whole before anything is stored (a bad path or a path twice is
 * a 400 naming it), then stored in one batch. An entry the draft already has with the same digest and size changes
 * nothing, so a retried page is a no-op; the same path with other content is a 400 naming it.
 */
export async function appendFiles(scope: ProjectScope, dataset: DatasetRow, draft: DatasetDraftRow, files: DatasetFile[]) {
  if (draft.committedVersion !== null) throw conflict(`draft "${draft.id}" is committed (as ${dataset.name}/${draft.committedVersion}); open a new draft for another version`);
  checkManifestPage(files);
  const chunks = jsonChunks(files);
  for (const chunk of chunks) {
    // A correlated subquery keeps the page outside and the draft's primary key inside (a join may run the other way).
    const [clash] = await scope.db.all<{ path: string }>(sql`
      select json_extract(j.value, '$[0]') as path from json_each(${chunk}) j
      where exists (select 1 from dataset_draft_files f where f.dataset_id = ${dataset.id} and f.draft_id = ${draft.id} and f.path = json_extract(j.value, '$[0]')
        and (f.digest != json_extract(j.value, '$[1]') or f.size != json_extract(j.value, '$[2]'))) limit 1`);
    if (clash) throw badRequest(`files: path ${JSON.stringify(clash.path)} is already in the draft with another digest or size (a path may appear once in a manifest)`, { path: clash.path });
  }
  // Query builders, not `db.run(sql)`: drizzle's D1 batch cannot bind a raw statement's parameters.
  const inserts = chunks.map((chunk) =>
    scope.db
      .insert(datasetDraftFiles)
      .select(sql`select ${dataset.id}, ${draft.id}, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]') from json_each(${chunk}) where true`)
      .onConflictDoNothing(),
  );
  if (inserts.length) await scope.db.batch(inserts as [(typeof inserts)[0], ...typeof inserts]);
  return { received: files.length, files: (await draftSize(scope, dataset, draft.id)).files };
}

/** The draft's digests the project has no blob for: up to `missingListed` of them, and how many in all. */
async function missingBlobs({ db, projectId }: ProjectScope, dataset: DatasetRow, draftId: string) {
  const missing = sql`select distinct f.digest as digest from dataset_draft_files f where f.dataset_id = ${dataset.id} and f.draft_id = ${draftId}
    and not exists (select 1 from project_blobs pb where pb.project_id = ${projectId} and pb.digest = f.digest)`;
  const listed = await db.all<{ digest: string }>(sql`${missing} order by digest limit ${DATASET_LIMITS.missingListed}`);
  if (listed.length < DATASET_LIMITS.missingListed) return { digests: listed.map((r) => r.digest), count: listed.length };
  const [total] = await db.all<{ n: number }>(sql`select count(*) as n from (${missing})`);
  return { digests: listed.map((r) => r.digest), count: Number(total?.n ?? listed.length) };
}

/** The 409 of a manifest whose blobs are not all in the project: `details.missing` lists them, `details.count` counts them. */
export function missingBlobsError(digests: string[], count: number) {
  const shown = digests.slice(0, 3).join(', ');
  return conflict(`${count} file blob(s) are not uploaded to this project (${shown}${count > 3 ? ', …' : ''}): upload them with PUT /v1/blobs/{digest}, then register again`, {
    missing: digests,
    count,
  });
}

/** sha256 over the draft's sorted `path\tdigest\tsize\n` lines (UTF-8 byte order of paths), read a page at a time. */
async function manifestDigest({ db }: ProjectScope, dataset: DatasetRow, draftId: string): Promise<string> {
  const hash = new Sha256();
  let after = '';
  for (;;) {
    const rows = await db.all<{ path: string; digest: string; size: number }>(sql`
      select path, digest, size from dataset_draft_files where dataset_id = ${dataset.id} and draft_id = ${draftId} and path > ${after}
      order by path limit ${HASH_PAGE}`);
    for (const r of rows) hash.update(`${r.path}\t${r.digest}\t${r.size}\n`);
    if (rows.length < HASH_PAGE) break;
    after = rows[rows.length - 1]!.path;
  }
  return `sha256:${hash.hex()}`;
}

/**
 * Turns the draft into the next version. Every file's blob must be in the project (409 listing the missing digests;
 * upload them and commit again) with the size the manifest says. A manifest equal to the latest version's makes no
 * version (`unchanged`). A retried commit answers the version the first one made, with `created: false`.
 */
export async function commitDraft(scope: Scope, dataset: DatasetRow, draft: DatasetDraftRow) {
  const { db } = scope;
  if (draft.committedVersion !== null) {
    const [row] = await db.select().from(datasetVersions).where(and(eq(datasetVersions.datasetId, dataset.id), eq(datasetVersions.version, draft.committedVersion)));
    return { created: false, unchanged: false, version: await describeVersion(scope, dataset, row!) };
  }
  const missing = await missingBlobs(scope, dataset, draft.id);
  if (missing.count) throw missingBlobsError(missing.digests, missing.count);
  const [wrongSize] = await db.all<{ path: string; size: number; actual: number }>(sql`
    select f.path as path, f.size as size, b.size as actual from dataset_draft_files f join blobs b on b.digest = f.digest
    where f.dataset_id = ${dataset.id} and f.draft_id = ${draft.id} and b.size != f.size limit 1`);
  if (wrongSize) throw badRequest(`files: path ${JSON.stringify(wrongSize.path)} says size ${wrongSize.size}, but its blob has ${wrongSize.actual} bytes`, { path: wrongSize.path });

  const digest = await manifestDigest(scope, dataset, draft.id);
  const latest = await latestVersion(scope, dataset);
  const done = (version: number) => [
    db.update(datasetDrafts).set({ committedVersion: version }).where(and(eq(datasetDrafts.datasetId, dataset.id), eq(datasetDrafts.id, draft.id))),
    db.delete(datasetDraftFiles).where(and(eq(datasetDraftFiles.datasetId, dataset.id), eq(datasetDraftFiles.draftId, draft.id))),
  ];
  if (latest && latest.manifestDigest === digest) {
    await db.batch(done(latest.version) as [ReturnType<typeof done>[0]]);
    return { created: false, unchanged: true, version: await describeVersion(scope, dataset, latest) };
  }
  const number = (latest?.version ?? 0) + 1;
  const { files, bytes } = await draftSize(scope, dataset, draft.id);
  const events = await emitEvent(scope, 'dataset_version.created', { dataset: dataset.name, version: number, ref: `${dataset.name}/${number}`, files, bytes, manifestDigest: digest });
  try {
    await db.batch([
      db.insert(datasetVersions).values({
        datasetId: dataset.id,
        projectId: scope.projectId,
        version: number,
        parentVersion: latest?.version ?? null,
        manifestDigest: digest,
        files,
        bytes,
        message: draft.message,
        tags: draft.tags,
        createdBy: scope.principal?.keyId ?? draft.createdBy,
        createdAt: scope.now(),
      }),
      db.insert(datasetFiles).select(sql`select (select id from dataset_versions where dataset_id = ${dataset.id} and version = ${number}), path, digest, size, md5
        from dataset_draft_files where dataset_id = ${dataset.id} and draft_id = ${draft.id}`),
      ...done(number),
      ...events,
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`another version of dataset "${dataset.name}" was committed at the same time; commit again (this draft is kept)`);
    throw err;
  }
  const [row] = await db.select().from(datasetVersions).where(and(eq(datasetVersions.datasetId, dataset.id), eq(datasetVersions.version, number)));
  return { created: true, unchanged: false, version: await describeVersion(scope, dataset, row!) };
}

/** Drops an uncommitted draft and its entries; dropping one that is gone is not an error. */
export async function deleteDraft({ db }: ProjectScope, dataset: DatasetRow, id: string) {
  await db.batch([
    db.delete(datasetDraftFiles).where(and(eq(datasetDraftFiles.datasetId, dataset.id), eq(datasetDraftFiles.draftId, id))),
    db.delete(datasetDrafts).where(and(eq(datasetDrafts.datasetId, dataset.id), eq(datasetDrafts.id, id))),
  ]);
}
