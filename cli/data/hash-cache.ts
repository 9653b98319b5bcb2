import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { LocalEntry } from './local-files.js';

/**
 * Where file hashes are remembered between commands: `$OUTPOST_CACHE_DIR`, else `$XDG_CACHE_HOME/outpost`, else
 * `~/.cache/outpost` — never inside the dataset folder, which would then be pushed with it.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OUTPOST_CACHE_DIR) return resolve(env.OUTPOST_CACHE_DIR);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'outpost');
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/**
 * The sha256 of each file of one folder, keyed by (path, size, mtime, inode): a file whose four are unchanged is not
 * read again. One file per folder (named by the hash of its absolute path), lines `path\tsize\tmtimeMs\tino\tdigest`.
 * An entry whose mtime is not older than the moment the cache was written is not trusted (a file changed again in
 * the same clock tick as it was hashed would look unchanged), as git treats its "racily clean" index entries.
 */
export class HashCache {
  /** path → `size\tmtimeMs\tino\tdigest`, kept as the line's text: 100,000 entries load and match without parsing. */
  private readonly fresh = new Map<string, string>();
  private changed = false;
  hashed = 0;
  hashedBytes = 0;

  private constructor(
    private readonly file: string,
    private readonly known: Map<string, string>,
    private readonly savedAt: number,
  ) {}

  static async open(folder: string): Promise<HashCache> {
    const key = createHash('sha256').update(resolve(folder)).digest('hex').slice(0, 32);
    const file = join(cacheRoot(), 'hashes', `${key}.tsv`);
    const known = new Map<string, string>();
    const text = await readFile(file, 'utf8').catch(() => '');
    const lines = text.split('\n');
    const savedAt = Number(lines[0]?.startsWith('#') ? lines[0].slice(1) : NaN);
    if (Number.isFinite(savedAt))
      for (let i = 1; i < lines.length; i++) {
        const line = lines[i]!;
        const tab = line.indexOf('\t');
        if (tab > 0) known.set(line.slice(0, tab), line.slice(tab + 1));
      }
    return new HashCache(file, known, Number.isFinite(savedAt) ? savedAt : 0);
  }

  /** The digest if the file's size, mtime and inode are those remembered; no read. */
  lookup(entry: LocalEntry): string | null {
    const rest = this.known.get(entry.path);
    if (rest === undefined || entry.mtimeMs >= this.savedAt) return null;
    // Reading the three numbers costs less than writing the entry's (a float's text is slow to make).
    const a = rest.indexOf('\t');
    const b = rest.indexOf('\t', a + 1);
    const c = rest.indexOf('\t', b + 1);
    if (Number(rest.slice(0, a)) !== entry.size || Number(rest.slice(a + 1, b)) !== entry.mtimeMs || Number(rest.slice(b + 1, c)) !== entry.ino) return null;
    this.fresh.set(entry.path, rest);
    return rest.slice(c + 1);
  }

  /** The file's digest, from the cache or by reading it. */
  async digest(entry: LocalEntry): Promise<string> {
    const cached = this.lookup(entry);
    if (cached) return cached;
    const digest = await sha256OfFile(entry.absolute);
    this.hashed++;
    this.hashedBytes += entry.size;
    this.remember(entry, digest);
    return digest;
  }

  /** Records a digest known otherwise (a file just downloaded and verified). */
  remember(entry: LocalEntry, digest: string): void {
    this.fresh.set(entry.path, `${entry.size}\t${entry.mtimeMs}\t${entry.ino}\t${digest}`);
    this.changed = true;
  }

  /**
   * Writes what this command saw (entries of files no longer there are dropped) when anything changed, atomically.
   * `complete`: the command looked at every file of the folder, so entries it did not see are gone.
   */
  async save(complete: boolean): Promise<void> {
    if (!complete) for (const [path, rest] of this.known) if (!this.fresh.has(path)) this.fresh.set(path, rest);
    if (!this.changed && this.fresh.size === this.known.size) return;
    const lines = [`#${Date.now()}`];
    for (const [path, rest] of this.fresh) lines.push(`${path}\t${rest}`);
    await mkdir(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    await writeFile(temp, lines.join('\n') + '\n');
    await rename(temp, this.file).catch(async (err) => {
      await rm(temp, { force: true });
      throw err;
    });
  }
}
