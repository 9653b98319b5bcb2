import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { compareUtf8, type LocalEntry } from './local-files.js';

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
 * read again. One file per folder (named by the hash of its absolute path), lines `path\tsize\tmtimeMs\tino\tdigest`
 * in path order. An entry whose mtime is not older than the moment the cache was written is not trusted (a file
 * changed again in the same clock tick as it was hashed would look unchanged), as git treats its "racily clean" index
 * entries.
 */
export class HashCache {
  /** Lines of the file, `path\tsize\tmtimeMs\tino\tdigest`, kept as text: only a matched line's three numbers are parsed. */
  private readonly lines: string[];
  private readonly savedAt: number;
  /** Which lines this command saw (their files unchanged), and the digests it learned otherwise, by path. */
  private readonly seen: Uint8Array;
  private seenCount = 0;
  private readonly learned = new Map<string, string>();
  /** Lookups come in path order, as the lines are: the next line is tried first, and a path → line map only when it is not that one. */
  private next = 0;
  private byPath: Map<string, number> | null = null;
  hashed = 0;
  hashedBytes = 0;

  private constructor(
    private readonly file: string,
    text: string,
  ) {
    const lines = text.split('\n');
    const savedAt = Number(lines[0]?.startsWith('#') ? lines[0].slice(1) : NaN);
    this.savedAt = Number.isFinite(savedAt) ? savedAt : 0;
    this.lines = Number.isFinite(savedAt) ? lines.slice(1).filter((line) => line.indexOf('\t') > 0) : [];
    this.seen = new Uint8Array(this.lines.length);
  }

  static async open(folder: string): Promise<HashCache> {
    const key = createHash('sha256').update(resolve(folder)).digest('hex').slice(0, 32);
    const file = join(cacheRoot(), 'hashes', `${key}.tsv`);
    return new HashCache(file, await readFile(file, 'utf8').catch(() => ''));
  }

  /** The index of the line of `path`, or -1. */
  private lineOf(path: string): number {
    const line = this.lines[this.next];
    if (line !== undefined && line.charCodeAt(path.length) === 9 && line.slice(0, path.length) === path) return this.next++;
    if (!this.byPath) {
      this.byPath = new Map();
      for (let i = 0; i < this.lines.length; i++) this.byPath.set(this.lines[i]!.slice(0, this.lines[i]!.indexOf('\t')), i);
    }
    const i = this.byPath.get(path);
    if (i === undefined) return -1;
    this.next = i + 1;
    return i;
  }

  /** The digest if the file's size, mtime and inode are those remembered; no read. */
  lookup(entry: LocalEntry): string | null {
    if (entry.mtimeMs >= this.savedAt) return null;
    const i = this.lineOf(entry.path);
    if (i < 0) return null;
    const line = this.lines[i]!;
    // Reading the three numbers costs less than writing the entry's (a float's text is slow to make).
    const a = entry.path.length + 1;
    const b = line.indexOf('\t', a);
    const c = line.indexOf('\t', b + 1);
    const d = line.indexOf('\t', c + 1);
    if (Number(line.slice(a, b)) !== entry.size || Number(line.slice(b + 1, c)) !== entry.mtimeMs || Number(line.slice(c + 1, d)) !== entry.ino) return null;
    if (!this.seen[i]) (this.seen[i] = 1), this.seenCount++;
    return line.slice(d + 1);
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
    this.learned.set(entry.path, `${entry.path}\t${entry.size}\t${entry.mtimeMs}\t${entry.ino}\t${digest}`);
  }

  /**
   * Writes what this command saw (entries of files no longer there are dropped) when anything changed, atomically.
   * `complete`: the command looked at every file of the folder, so entries it did not see are gone.
   */
  async save(complete: boolean): Promise<void> {
    // Lines out of path order (from an older cache) are written again sorted, so the next command reads them in one pass.
    if (!this.learned.size && !this.byPath && (!complete || this.seenCount === this.lines.length)) return;
    const kept: string[] = [];
    for (let i = 0; i < this.lines.length; i++) {
      const line = this.lines[i]!;
      if ((complete && !this.seen[i]) || this.learned.has(line.slice(0, line.indexOf('\t')))) continue;
      kept.push(line);
    }
    for (const line of this.learned.values()) kept.push(line);
    // A tab sorts below every character a path may hold, so whole lines sort in their paths' order.
    kept.sort(compareUtf8);
    await mkdir(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    await writeFile(temp, `#${Date.now()}\n${kept.join('\n')}\n`);
    await rename(temp, this.file).catch(async (err) => {
      await rm(temp, { force: true });
      throw err;
    });
  }
}
