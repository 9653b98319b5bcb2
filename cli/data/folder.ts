import { statSync } from 'node:fs';
import { NAME_RE, NAME_RULE } from '../../shared/refs.js';
import { CliError } from '../context.js';
import { HashCache } from './hash-cache.js';
import { walkFolder, type LocalEntry, type Skipped } from './local-files.js';
import { hashEntries, manifestDigest, type LocalFile } from './manifest.js';
import { progressBar, type Progress } from '../progress.js';

/** A dataset name from the command line; a bad one is a usage error. */
export function datasetNameArg(name: string): string {
  if (!NAME_RE.test(name)) throw new CliError(`--name "${name}" ${NAME_RULE}`, 2);
  return name;
}

export function requireFolder(dir: string): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new CliError(`no such folder: ${dir}`, 2);
  }
  if (!isDir) throw new CliError(`${dir} is not a folder`, 2);
}

export const sayNotSkippedSilently = (skipped: Skipped[]) => {
  for (const s of skipped) console.error(`skipped ${s.path}: ${s.why}`);
};

/** A folder's files hashed (unchanged files from the cache: a stat each, no read) and its manifest digest. */
export async function folderManifest(dir: string): Promise<{ files: LocalFile[]; entries: LocalEntry[]; digest: string; skipped: Skipped[]; cache: HashCache }> {
  requireFolder(dir);
  const { files: entries, skipped } = walkFolder(dir);
  sayNotSkippedSilently(skipped);
  const cache = await HashCache.open(dir);
  let bar: Progress | null = null;
  let files: LocalFile[];
  try {
    files = await hashEntries(entries, cache, { start: (total) => (bar = progressBar(total, 'hashing')), add: (bytes) => bar?.add(bytes) });
  } finally {
    (bar as Progress | null)?.stop();
  }
  await cache.save(true);
  return { files, entries, digest: manifestDigest(files), skipped, cache };
}
