import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { CliError } from './context.js';

export interface LocalFile {
  /** Path inside the model, with forward slashes. */
  path: string;
  absolute: string;
  digest: string;
  size: number;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

/** The files of a model (one file, or every file under a folder), hashed locally. */
export async function modelFiles(target: string): Promise<{ files: LocalFile[]; format: 'onnx' | 'tfjs-layers' }> {
  const info = await stat(target).catch(() => {
    throw new CliError(`no such file or folder: ${target}`, 2);
  });
  const paths = info.isDirectory() ? await walk(target) : [target];
  const files: LocalFile[] = [];
  for (const absolute of paths) {
    const path = info.isDirectory() ? relative(target, absolute).split(sep).join('/') : basename(absolute);
    files.push({ path, absolute, digest: await sha256File(absolute), size: (await stat(absolute)).size });
  }
  if (files.some((f) => f.path === 'model.json')) return { files, format: 'tfjs-layers' };
  if (files.some((f) => f.path.endsWith('.onnx'))) return { files, format: 'onnx' };
  throw new CliError(`${target} holds neither an .onnx file nor a tfjs model.json`, 2);
}

export { sha256File };
