import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { HubClient } from '../../shared/client/hub-client.js';
import { NAME_RE } from '../../shared/refs.js';
import { CliError } from '../context.js';
import { progressBar } from '../progress.js';
import { datasetNameArg } from './folder.js';
import { compareUtf8 } from './local-files.js';
import { manifestDigest, type LocalFile } from './manifest.js';
import { eachLimited } from './pool.js';
import { findDataset, registerVersion, type Registered } from './push.js';

/** One `outs` entry of a `.dvc` file (DVC 2 and 3; DVC 3 adds `hash: md5`). */
interface DvcOut {
  md5: string;
  path: string;
  size?: number;
  nfiles?: number;
  hash?: string;
}

const MD5_RE = /^[0-9a-f]{32}(\.dir)?$/;

async function readDvcFile(file: string): Promise<DvcOut[]> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, 2);
  });
  let doc: { outs?: unknown };
  try {
    doc = parseYaml(text) ?? {};
  } catch (err) {
    throw new CliError(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`, 2);
  }
  if (!Array.isArray(doc.outs) || !doc.outs.length) throw new CliError(`${file} has no outs (is it a .dvc file made by dvc add?)`, 2);
  return doc.outs.map((out: Partial<DvcOut>, i: number) => {
    if (typeof out?.md5 !== 'string' || !MD5_RE.test(out.md5)) throw new CliError(`${file}: outs[${i}] has no md5 (DVC's "md5: <32 hex>[.dir]")`, 2);
    if (typeof out.path !== 'string' || !out.path) throw new CliError(`${file}: outs[${i}] has no path`, 2);
    if (out.hash !== undefined && out.hash !== 'md5') throw new CliError(`${file}: outs[${i}] uses hash "${out.hash}"; only md5 is read`, 2);
    return out as DvcOut;
  });
}

/** Where DVC keeps an object: `files/md5/xx/yyyy…` (DVC 3) or `xx/yyyy…` (DVC 2), in a cache or a local remote. */
function objectPath(cache: string, md5: string): string {
  const dvc3 = join(cache, 'files', 'md5', md5.slice(0, 2), md5.slice(2));
  if (existsSync(dvc3)) return dvc3;
  const dvc2 = join(cache, md5.slice(0, 2), md5.slice(2));
  if (existsSync(dvc2)) return dvc2;
  throw new CliError(`object ${md5} is in neither ${dvc3} nor ${dvc2}; is --cache the DVC cache (.dvc/cache) or a local remote?`);
}

/**
 * DVC 2 hashed a file it took for text (no NUL byte in its first 8 KiB) after turning CRLF into LF; DVC 3 (`hash: md5`
 * in the .dvc file) hashes the bytes as they are. Both hashes come from one read; the sha256 is of the bytes as they are.
 */
async function hashObject(path: string): Promise<{ md5: string; md5Dos2unix: string | null; sha256: string; size: number }> {
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  const unix = createHash('md5');
  let binary = false;
  let checked = 0;
  let size = 0;
  let pendingCr = false;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    md5.update(chunk);
    sha.update(chunk);
    size += chunk.byteLength;
    if (checked < 8192) {
      if (chunk.subarray(0, 8192 - checked).includes(0)) binary = true;
      checked += chunk.byteLength;
    }
    if (binary) continue;
    let text = chunk;
    if (pendingCr) text = Buffer.concat([Buffer.from('\r'), text]);
    pendingCr = text.at(-1) === 0x0d;
    if (pendingCr) text = text.subarray(0, -1);
    unix.update(Buffer.from(text.toString('latin1').replaceAll('\r\n', '\n'), 'latin1'));
  }
  if (pendingCr && !binary) unix.update('\r');
  return { md5: md5.digest('hex'), md5Dos2unix: binary ? null : unix.digest('hex'), sha256: `sha256:${sha.digest('hex')}`, size };
}

/** A relative path in the dataset from DVC's (relative to the .dvc file, `/`-separated, no `..`). */
function cleanPath(path: string, where: string): string {
  const p = posix.normalize(path.replaceAll('\\', '/'));
  if (p.startsWith('/') || p === '..' || p.startsWith('../') || p === '.') throw new CliError(`${where}: "${path}" is not a path inside the project`);
  return p;
}

/** An import's counts, and the DVC md5s kept in the version's tags. */
export type DvcImportResult = Registered & { dataset: string; files: number; bytes: number; dvc: Record<string, string> };

/**
 * Reads what a `.dvc` file tracks from a DVC cache, checks every object's md5 as DVC would, and registers it as a
 * version: sha256 blobs, each file's DVC md5 kept in its manifest entry (`md5`), and each out's md5 (a folder's
 * `….dir` hash) in the version's tags (`dvc.md5`, or `dvc.md5:<path>` for several outs) beside `dvc.file`.
 */
export async function importDvc(hub: HubClient, dvcFile: string, cache: string, options: { name?: string; message?: string }): Promise<DvcImportResult> {
  const outs = await readDvcFile(dvcFile);
  if (!existsSync(cache)) throw new CliError(`no such cache folder: ${cache}`, 2);
  const name = options.name !== undefined ? datasetNameArg(options.name) : defaultName(dvcFile, outs);
  const single = outs.length === 1;
  type Wanted = { path: string; md5: string; legacy: boolean };
  const wanted: Wanted[] = [];
  const tags: Record<string, string> = {};
  for (const [i, out] of outs.entries()) {
    const outPath = cleanPath(out.path, `${dvcFile}: outs[${i}]`);
    tags[single ? 'dvc.md5' : `dvc.md5:${outPath}`] = out.md5;
    const legacy = out.hash !== 'md5';
    if (!out.md5.endsWith('.dir')) {
      wanted.push({ path: single ? basename(outPath) : outPath, md5: out.md5, legacy });
      continue;
    }
    const listingPath = objectPath(cache, out.md5);
    const listingBytes = await readFile(listingPath);
    // DVC names a listing by the md5 of the very bytes it writes, so the listing is checked like any object.
    if (createHash('md5').update(listingBytes).digest('hex') !== out.md5.slice(0, 32))
      throw new CliError(`${listingPath} (the listing of ${out.path}) does not hash to ${out.md5}; the cache is damaged (dvc fetch it again)`);
    let listing: { md5?: unknown; relpath?: unknown }[];
    try {
      listing = JSON.parse(listingBytes.toString('utf8'));
      if (!Array.isArray(listing)) throw new Error('not a JSON list');
    } catch (err) {
      throw new CliError(`${listingPath} (the listing of ${out.path}) is not DVC's .dir JSON: ${(err as Error).message}`);
    }
    if (out.nfiles !== undefined && out.nfiles !== listing.length) throw new CliError(`${dvcFile}: ${out.path} says nfiles ${out.nfiles}, its .dir listing has ${listing.length}`);
    for (const [j, entry] of listing.entries()) {
      if (typeof entry?.md5 !== 'string' || !/^[0-9a-f]{32}$/.test(entry.md5) || typeof entry.relpath !== 'string')
        throw new CliError(`${listingPath}: entry ${j} is not {"md5","relpath"}`);
      const rel = cleanPath(entry.relpath, `${listingPath}: entry ${j}`);
      wanted.push({ path: single ? rel : `${outPath}/${rel}`, md5: entry.md5, legacy });
    }
  }
  tags['dvc.file'] = basename(dvcFile);

  const files: LocalFile[] = new Array(wanted.length);
  const bar = progressBar(outs.reduce((n, o) => n + (o.size ?? 0), 0), 'verifying md5');
  try {
    await eachLimited(wanted.keys(), 8, async (i) => {
      const w = wanted[i]!;
      const absolute = objectPath(cache, w.md5);
      const h = await hashObject(absolute);
      bar.add(h.size);
      if (h.md5 !== w.md5 && !(w.legacy && h.md5Dos2unix === w.md5))
        throw new CliError(`${w.path}: object ${absolute} has md5 ${h.md5}, not ${w.md5} as DVC recorded; the cache is damaged (dvc fetch it again)`);
      files[i] = { path: w.path, digest: h.sha256, size: h.size, md5: w.md5, absolute };
    });
  } finally {
    bar.stop();
  }
  files.sort((a, b) => compareUtf8(a.path, b.path));
  const digest = manifestDigest(files);
  const message = options.message ?? `imported from ${basename(dvcFile)} (${outs.map((o) => `${o.path} md5 ${o.md5}`).join(', ')})`;
  const latest = (await findDataset(hub, name))?.latest ?? null;
  const base = { dataset: name, files: files.length, bytes: files.reduce((n, f) => n + f.size, 0), dvc: tags };
  if (latest && latest.manifestDigest === digest) return { ...base, ref: latest.ref, version: latest.version, created: false, unchanged: true, uploadedFiles: 0, uploadedBytes: 0, resumedDraft: false };
  const { uploadedDigests: _, ...registered } = await registerVersion(hub, name, files, digest, latest?.version ?? null, { message, tags });
  return { ...base, ...registered };
}

/** The one out's folder or file name, else the .dvc file's name without `.dvc`. */
function defaultName(dvcFile: string, outs: DvcOut[]): string {
  const candidate = outs.length === 1 ? basename(outs[0]!.path) : basename(dvcFile).replace(/\.dvc$/, '');
  if (!NAME_RE.test(candidate)) throw new CliError(`"${candidate}" is not a dataset name; pass --name`, 2);
  return candidate;
}
