import { createHash } from 'node:crypto';
import { appendDraftFiles, commitDraft, datasetTableStats, getDataset, missingBlobs, openDraft, type Dataset } from '../../shared/client/datasets.js';
import { tableFormatOf } from '../../shared/table-format.js';
import type { HubClient } from '../../shared/client/hub-client.js';
import { OutpostError } from '../../shared/errors.js';
import { DATASET_LIMITS } from '../../shared/schemas/datasets.js';
import { CliError } from '../context.js';
import { uploadBlob } from '../model/push.js';
import { progressBar } from '../progress.js';
import { folderManifest } from './folder.js';
import { pages, wireEntry, type LocalFile } from './manifest.js';
import { eachLimited } from './pool.js';

/** The dataset, or null when it has no version yet. */
export async function findDataset(hub: HubClient, name: string): Promise<Dataset | null> {
  return getDataset(hub, name).catch((err) => {
    if (err instanceof OutpostError && err.status === 404) return null;
    throw err;
  });
}

/** Which of these digests the hub lacks, asked a thousand at a time. */
async function missingOf(hub: HubClient, digests: string[]): Promise<Set<string>> {
  const missing = new Set<string>();
  for (let i = 0; i < digests.length; i += DATASET_LIMITS.missing) for (const d of (await missingBlobs(hub, digests.slice(i, i + DATASET_LIMITS.missing))).missing) missing.add(d);
  return missing;
}

/**
 * The draft id of a push: the same folder contents pushed onto the same latest version with the same message get the
 * same id, so a push that was interrupted finds its draft (and the pages it sent) again; once the latest version
 * moves, a push is a new draft.
 */
export function pushDraftId(name: string, parent: number | null, digest: string, message: string): string {
  return `push-${createHash('sha256').update(`${name}\n${parent ?? 0}\n${digest}\n${message}`).digest('hex').slice(0, 40)}`;
}

/** What registering a version did: the version, and the blobs it uploaded first. */
export interface Registered {
  ref: string;
  version: number;
  created: boolean;
  unchanged: boolean;
  uploadedFiles: number;
  uploadedBytes: number;
  resumedDraft: boolean;
}

/**
 * Uploads the blobs of `files` the hub lacks (8 at once, each read from `absolute`), then registers them as the
 * dataset's next version through a draft in pages. The draft id comes from `pushDraftId`, so running it again after an
 * interruption resumes; a manifest equal to the latest version's makes no version.
 */
export async function registerVersion(
  hub: HubClient,
  name: string,
  files: LocalFile[],
  digest: string,
  parent: number | null,
  meta: { message: string; tags?: Record<string, string> },
): Promise<Registered & { /** The digests uploaded (the hub lacked them). */ uploadedDigests: Set<string> }> {
  const byDigest = new Map<string, LocalFile>();
  for (const f of files) if (!byDigest.has(f.digest)) byDigest.set(f.digest, f);
  const missing = await missingOf(hub, [...byDigest.keys()]);
  const uploads = [...missing].map((d) => byDigest.get(d)!);
  const uploadedBytes = uploads.reduce((n, f) => n + f.size, 0);
  const bar = progressBar(uploadedBytes, 'uploading');
  try {
    await eachLimited(uploads, 8, (f) => uploadBlob(hub, f, (n) => bar.add(n)));
  } finally {
    bar.stop();
  }

  const id = pushDraftId(name, parent, digest, meta.message);
  const draft = await openDraft(hub, name, id, meta);
  const resumedDraft = draft.files > 0;
  if (resumedDraft) console.error(`resuming an interrupted push (draft ${id}: ${draft.files} of ${files.length} entries already sent)`);
  let sent = 0;
  for (const page of pages(files)) {
    sent += page.length;
    // A page the draft holds whole is skipped; one it holds in part is sent again (entries it has are no-ops).
    if (sent <= draft.files) continue;
    await appendDraftFiles(hub, name, id, page.map(wireEntry));
  }
  const reply = await commitDraft(hub, name, id).catch((err) => {
    if (err instanceof OutpostError && err.status === 409) throw new CliError(`${err.message} (run the push again)`);
    throw err;
  });
  const v = reply.version;
  return { ref: v.ref, version: v.version, created: reply.created, unchanged: reply.unchanged, uploadedFiles: uploads.length, uploadedBytes, resumedDraft, uploadedDigests: new Set(uploads.map((u) => u.digest)) };
}

/** A push's counts: the folder's, and what registering it did. */
export type DataPushResult = Registered & { dataset: string; files: number; bytes: number; hashedFiles: number; skipped: { path: string; why: string }[]; tables: TableStatsDone };

/** Tables whose schema and statistics a push had the hub compute: at most this many, the rest on first view. */
export const PUSH_STATS_LIMIT = 100;
interface TableStatsDone {
  computed: number;
  /** Tables that did not parse: their reason is in their statistics, the version stands. */
  failed: number;
  /** Tabular files past PUSH_STATS_LIMIT or the hub's size limit, left for the first read. */
  later: number;
}

/**
 * Has the hub compute the schema and statistics of the version's new tabular files (CSV, JSONL, Parquet), so the
 * console and API answer them at once; the hub keeps them by digest, so a file pushed before is not parsed again.
 */
async function computeTableStats(hub: HubClient, name: string, version: number, files: LocalFile[], uploaded: Set<string>): Promise<TableStatsDone> {
  const tables = files.filter((f) => tableFormatOf(f.path) !== null && uploaded.has(f.digest));
  const now = tables.filter((f) => f.size <= DATASET_LIMITS.statsBytes).slice(0, PUSH_STATS_LIMIT);
  const done: TableStatsDone = { computed: 0, failed: 0, later: tables.length - now.length };
  for (const f of now) {
    const stats = await datasetTableStats(hub, name, version, f.path);
    if (stats.error) done.failed++;
    else done.computed++;
  }
  return done;
}

/** Hashes the folder (unchanged files from the cache), and registers it unless it equals the latest version. */
export async function pushDataset(hub: HubClient, dir: string, name: string, message: string): Promise<DataPushResult> {
  const local = await folderManifest(dir);
  const base = { dataset: name, files: local.files.length, bytes: local.files.reduce((n, f) => n + f.size, 0), hashedFiles: local.cache.hashed, skipped: local.skipped };
  const latest = (await findDataset(hub, name))?.latest ?? null;
  const none = { computed: 0, failed: 0, later: 0 };
  if (latest && latest.manifestDigest === local.digest)
    return { ...base, ref: latest.ref, version: latest.version, created: false, unchanged: true, uploadedFiles: 0, uploadedBytes: 0, resumedDraft: false, tables: none };
  const registered = await registerVersion(hub, name, local.files, local.digest, latest?.version ?? null, { message });
  const tables = registered.unchanged ? none : await computeTableStats(hub, name, registered.version, local.files, registered.uploadedDigests);
  const { uploadedDigests: _, ...reply } = registered;
  return { ...base, ...reply, tables };
}
