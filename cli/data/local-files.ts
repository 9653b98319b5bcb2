import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join, sep } from 'node:path';

/** One regular file under a dataset folder, as `lstat` saw it. */
export interface LocalEntry {
  /** Relative, `/`-separated. */
  path: string;
  absolute: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

/** What a walk left out, and why (said to the user, never silent). */
export interface Skipped {
  path: string;
  why: string;
}

/**
 * Paths ordered as the hub orders them: UTF-8 byte order (SQLite's text order), which is code point order. JS
 * compares UTF-16 units, which differs only between a surrogate (U+D800–DFFF, half of a code point above U+FFFF)
 * and U+E000–FFFF, so that one case is turned around.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      const xs = x < 0xe000;
      const ys = y < 0xe000;
      if (xs !== ys) return xs ? 1 : -1;
    }
    return x - y;
  }
  return a.length - b.length;
}

// The hub refuses control characters in paths; the hash cache is tab- and line-separated.
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

/** Every regular file under `root` in path order; symlinks, sockets and unreadable folders are listed in `skipped`. */
export function walkFolder(root: string): { files: LocalEntry[]; skipped: Skipped[] } {
  const files: LocalEntry[] = [];
  const skipped: Skipped[] = [];
  // Paths are joined by hand below a root normalised once: `path.join` per file was a tenth of the walk (profiled).
  const visit = (dir: string, prefix: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      skipped.push({ path: prefix || '.', why: `cannot read the folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
      return;
    }
    const below = dir.endsWith(sep) ? dir : dir + sep;
    const pathBelow = prefix ? `${prefix}/` : '';
    for (const name of names) {
      const path = pathBelow + name;
      const absolute = below + name;
      let info: Stats;
      try {
        info = lstatSync(absolute);
      } catch (err) {
        skipped.push({ path, why: `cannot stat it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
        continue;
      }
      if (CONTROL_RE.test(name) || name.includes('\\')) skipped.push({ path: JSON.stringify(path), why: 'its name holds a control character or a backslash, which dataset paths may not' });
      else if (info.isDirectory()) visit(absolute, path);
      else if (info.isFile()) files.push({ path, absolute, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino });
      else skipped.push({ path, why: info.isSymbolicLink() ? 'a symbolic link (not followed)' : 'not a regular file' });
    }
  };
  visit(join(root), '');
  files.sort((a, b) => compareUtf8(a.path, b.path));
  return { files, skipped };
}
