import { createHash } from 'node:crypto';
import { createWriteStream, lstatSync, rmdirSync } from 'node:fs';
import { mkdir, rename, rm, unlink } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { datasetFiles, getDatasetVersion } from '../../shared/client/datasets.js';
import { getBlob } from '../../shared/client/blobs.js';
import type { HubClient } from '../../shared/client/hub-client.js';
import { OutpostError } from '../../shared/errors.js';
import { DATASET_LIMITS, type DatasetFile } from '../../shared/schemas/datasets.js';
import { CliError } from '../context.js';
import { progressBar } from '../progress.js';
import { HashCache } from './hash-cache.js';
import { walkFolder, type LocalEntry } from './local-files.js';
import { eachLimited } from './pool.js';
import { datasetRefArg, versionSegment } from './refs.js';
import { sayNotSkippedSilently } from './folder.js';

/** Streams a blob into a temp file beside `target`, hashing on the way; only bytes that match `file.digest` are renamed into place. */
async function download(hub: HubClient, file: DatasetFile, target: string, onBytes: (n: number) => void): Promise<void> {
  const res = await getBlob(hub, file.digest).catch((err) => {
    throw err instanceof OutpostError ? new CliError(`download of ${file.path} failed: ${err.message}`) : err;
  });
  await mkdir(dirname(target), { recursive: true });
  const temp = `${target}.outpost-${process.pid}-partial`;
  const hash = createHash('sha256');
  try {
    const body = res.body ? Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>) : Readable.from([]);
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      onBytes(chunk.byteLength);
    });
    await pipeline(body, createWriteStream(temp));
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== file.digest) throw new CliError(`${file.path}: the hub sent bytes that hash to ${actual}, not ${file.digest}; nothing written at that path`);
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** A local file or folder that is not a regular file stands where the version has one: say so rather than overwrite it. */
function refuseNonFile(target: string, path: string) {
  try {
    const info = lstatSync(target);
    if (!info.isFile()) throw new CliError(`${path} exists locally and is not a regular file; move it away and pull again`);
  } catch (err) {
    if (err instanceof CliError) throw err;
  }
}

/**
 * Writes a version into a folder: files already there with the right digest (cache, else read) are left alone, the
 * others downloaded 8 at a time, verified and renamed into place. `--delete` then removes local files the version
 * does not have (and folders that became empty), only after every download succeeded.
 */
export async function pullDataset(hub: HubClient, refText: string, dir: string, options: { delete?: boolean }) {
  const ref = datasetRefArg(refText);
  const version = await getDatasetVersion(hub, ref.name, versionSegment(ref));
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const { files: entries, skipped } = walkFolder(root);
  sayNotSkippedSilently(skipped);
  const local = new Map<string, LocalEntry>(entries.map((e) => [e.path, e]));
  const seen = new Set<string>();
  const cache = await HashCache.open(root);
  const bar = progressBar(version.bytes, 'pulling');
  let downloaded = 0;
  let downloadedBytes = 0;
  let after: string | undefined;
  try {
    do {
      const page = await datasetFiles(hub, ref.name, version.version, { after, limit: DATASET_LIMITS.page });
      const wanted: DatasetFile[] = [];
      for (const file of page.files) {
        const target = resolve(root, file.path);
        if (!target.startsWith(root + sep)) throw new CliError(`refusing a file path outside ${dir}: ${file.path}`);
        seen.add(file.path);
        const have = local.get(file.path);
        if (have && have.size === file.size && (await cache.digest(have)) === file.digest) bar.add(file.size);
        else wanted.push(file);
      }
      await eachLimited(wanted, 8, async (file) => {
        const target = resolve(root, file.path);
        refuseNonFile(target, file.path);
        await download(hub, file, target, (n) => bar.add(n));
        const info = lstatSync(target);
        cache.remember({ path: file.path, absolute: target, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino }, file.digest);
        downloaded++;
        downloadedBytes += file.size;
      });
      after = page.next ?? undefined;
    } while (after !== undefined);
  } finally {
    bar.stop();
    await cache.save(false);
  }
  const deleted: string[] = [];
  if (options.delete) {
    for (const e of entries) if (!seen.has(e.path)) {
      await unlink(e.absolute);
      deleted.push(e.path);
    }
    for (const path of deleted) removeEmptyParents(root, dirname(resolve(root, path)));
  }
  const extra = options.delete ? 0 : entries.filter((e) => !seen.has(e.path)).length;
  return { ref: version.ref, dataset: version.dataset, version: version.version, dir: root, files: version.files, downloaded, downloadedBytes, deleted, notInVersion: extra };
}

/** Removes `dir` and its parents up to (not including) `root` while they are empty. */
function removeEmptyParents(root: string, dir: string) {
  while (dir.startsWith(root + sep)) {
    try {
      rmdirSync(dir);
    } catch {
      return;
    }
    dir = dirname(dir);
  }
}
