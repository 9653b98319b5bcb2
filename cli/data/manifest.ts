import { createHash } from 'node:crypto';
import type { DatasetFile } from '../../shared/schemas/datasets.js';
import type { HashCache } from './hash-cache.js';
import type { LocalEntry } from './local-files.js';
import { eachLimited } from './pool.js';

export type LocalFile = DatasetFile & { absolute: string };

/** The hub's manifest digest: sha256 over the path-ordered `path\tdigest\tsize\n` lines (docs/datasets.md). */
export function manifestDigest(files: Iterable<DatasetFile>): string {
  const hash = createHash('sha256');
  // Lines are hashed a megabyte of text at a time: an update per line cost more than the hashing (profiled).
  let text = '';
  for (const f of files) {
    text += `${f.path}\t${f.digest}\t${f.size}\n`;
    if (text.length >= 1 << 20) (hash.update(text), (text = ''));
  }
  hash.update(text);
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Digests for path-ordered entries, in the same order: the cache's in one pass (a string match each), then the rest
 * read 8 at a time; `progress` gets the bytes to read, then each file's bytes as it is done.
 */
export async function hashEntries(entries: LocalEntry[], cache: HashCache, progress: { start(total: number): void; add(bytes: number): void }): Promise<LocalFile[]> {
  const out: LocalFile[] = new Array(entries.length);
  const misses: number[] = [];
  let missBytes = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const digest = cache.lookup(e);
    if (digest) out[i] = { path: e.path, digest, size: e.size, absolute: e.absolute };
    else (misses.push(i), (missBytes += e.size));
  }
  progress.start(missBytes);
  await eachLimited(misses, 8, async (i) => {
    const e = entries[i]!;
    out[i] = { path: e.path, digest: await cache.digest(e), size: e.size, absolute: e.absolute };
    progress.add(e.size);
  });
  return out;
}

/** An entry as the hub takes it (no local path). */
export const wireEntry = ({ path, digest, size, md5 }: DatasetFile): DatasetFile => (md5 ? { path, digest, size, md5 } : { path, digest, size });
/** Bytes of a JSON-encoded entry in a draft page, and the page sizes the pushes use. */
const entryBytes = (f: DatasetFile) => Buffer.byteLength(JSON.stringify(wireEntry(f))) + 1;
export const PAGE_LIMITS = { entries: 10_000, bytes: 256 * 1024 };

/** Splits a manifest into draft pages of at most 10,000 entries and 256 KiB of JSON (under any sane body cap). */
export function pages<T extends DatasetFile>(files: T[], limits = PAGE_LIMITS): T[][] {
  const out: T[][] = [];
  let page: T[] = [];
  let bytes = 0;
  for (const f of files) {
    const b = entryBytes(f);
    if (page.length && (page.length >= limits.entries || bytes + b > limits.bytes)) {
      out.push(page);
      page = [];
      bytes = 0;
    }
    page.push(f);
    bytes += b;
  }
  if (page.length) out.push(page);
  return out;
}
