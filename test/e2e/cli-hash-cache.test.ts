import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheRoot, HashCache } from '../../cli/data/hash-cache.js';
import { walkFolder } from '../../cli/data/local-files.js';
import { hashEntries, manifestDigest } from '../../cli/data/manifest.js';

const work = mkdtempSync(join(tmpdir(), 'outpost-hash-cache-'));
const saved = process.env.OUTPOST_CACHE_DIR;
process.env.OUTPOST_CACHE_DIR = join(work, 'cache');
afterAll(() => {
  if (saved === undefined) delete process.env.OUTPOST_CACHE_DIR;
  else process.env.OUTPOST_CACHE_DIR = saved;
  rmSync(work, { recursive: true, force: true });
});
let folders = 0;
const noProgress = { start: () => {}, add: () => {} };
const sha = (body: string) => `sha256:${createHash('sha256').update(body).digest('hex')}`;
// An hour ago: older than any moment the cache is written, so no entry is "racily clean".
const past = new Date(Date.now() - 3_600_000);

function folder(files: Record<string, string>): string {
  const dir = join(work, `folder-${folders++}`);
  for (const [path, body] of Object.entries(files)) put(dir, path, body);
  return dir;
}
function put(dir: string, path: string, body: string) {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), body);
  utimesSync(join(dir, path), past, past);
}
const cacheFile = (dir: string) => join(cacheRoot(), 'hashes', `${createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 32)}.tsv`);
const cachedPaths = (dir: string) => readFileSync(cacheFile(dir), 'utf8').trim().split('\n').slice(1).map((line) => line.split('\t')[0]);

/** Hashes the folder through its cache, as push and status do, and saves the cache. */
async function hashFolder(dir: string) {
  const cache = await HashCache.open(dir);
  const files = await hashEntries(walkFolder(dir).files, cache, noProgress);
  await cache.save(true);
  return { files: files.map(({ path, digest }) => [path, digest]), hashed: cache.hashed };
}

describe('the hash cache', () => {
  const files = { 'z.txt': 'z', 'b.txt': 'b', 'b/c.txt': 'c', 'a b/é.txt': 'e', 'a.txt': 'a' };
  const expected = Object.entries(files)
    .map(([path, body]) => [path, sha(body)])
    .sort(([a], [b]) => (a! < b! ? -1 : 1));

  it('remembers every file in path order, so a second pass reads none', async () => {
    const dir = folder(files);
    expect(await hashFolder(dir)).toEqual({ files: expected, hashed: 5 });
    expect(cachedPaths(dir)).toEqual(expected.map(([path]) => path));
    expect(await hashFolder(dir)).toEqual({ files: expected, hashed: 0 });
  });

  it('matches a cache whose lines are out of order, and writes it back in path order', async () => {
    const dir = folder(files);
    await hashFolder(dir);
    const [head, ...lines] = readFileSync(cacheFile(dir), 'utf8').trim().split('\n');
    writeFileSync(cacheFile(dir), `${[head, ...lines.reverse()].join('\n')}\n`);
    expect(cachedPaths(dir)).not.toEqual(expected.map(([path]) => path));
    expect(await hashFolder(dir)).toEqual({ files: expected, hashed: 0 });
    expect(cachedPaths(dir)).toEqual(expected.map(([path]) => path));
  });

  it('hashes an added and a changed file again and forgets a removed one', async () => {
    const dir = folder(files);
    await hashFolder(dir);
    put(dir, 'b/a.txt', 'new');
    put(dir, 'z.txt', 'z changed');
    unlinkSync(join(dir, 'a.txt'));
    const now = [['a b/é.txt', sha('e')], ['b.txt', sha('b')], ['b/a.txt', sha('new')], ['b/c.txt', sha('c')], ['z.txt', sha('z changed')]];
    expect(await hashFolder(dir)).toEqual({ files: now, hashed: 2 });
    expect(cachedPaths(dir)).toEqual(now.map(([path]) => path));
    expect(await hashFolder(dir)).toEqual({ files: now, hashed: 0 });
  });

  it('keeps the entries a partial pass (a pull) did not look at', async () => {
    const dir = folder(files);
    await hashFolder(dir);
    put(dir, 'pulled.txt', 'pulled');
    const cache = await HashCache.open(dir);
    const pulled = walkFolder(dir).files.find((e) => e.path === 'pulled.txt')!;
    cache.remember(pulled, sha('pulled'));
    await cache.save(false);
    expect(cachedPaths(dir)).toEqual([...expected.map(([path]) => path), 'pulled.txt'].sort());
    expect((await hashFolder(dir)).hashed).toBe(0);
  });
});

describe('the manifest digest', () => {
  it('is the sha256 of the path-ordered lines, over more than a megabyte of them', () => {
    const entries = Array.from({ length: 30_000 }, (_, i) => ({ path: `dir-${i % 7}/ünï-${String(i).padStart(6, '0')}.bin`, digest: sha(String(i)), size: i }));
    const lines = entries.map((f) => `${f.path}\t${f.digest}\t${f.size}\n`).join('');
    expect(Buffer.byteLength(lines)).toBeGreaterThan(2 << 20);
    expect(manifestDigest(entries)).toBe(`sha256:${createHash('sha256').update(lines).digest('hex')}`);
    expect(manifestDigest([])).toBe(sha(''));
  });
});
