import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { Manifest, ModelVersion, RegisteredModel } from '../../shared/schemas/registry.js';
import { sha256Digest } from '../../shared/digest.js';
import { CliError, type HubClient } from './client.js';
import { modelFiles, type LocalFile } from './files.js';
import { progressBar } from './progress.js';

export interface PushOptions {
  name: string;
  alias?: string;
  run?: string;
  devices?: boolean;
  reason?: string;
}

/** Uploads one file as a blob, streaming, counting bytes for the progress bar. */
async function uploadBlob(hub: HubClient, file: LocalFile, onBytes: (n: number) => void) {
  const source = Readable.toWeb(createReadStream(file.absolute)) as unknown as ReadableStream<Uint8Array>;
  const counted = source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        onBytes(chunk.byteLength);
        controller.enqueue(chunk);
      },
    }),
  );
  const res = await hub.fetch(`/v1/blobs/${file.digest}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(file.size) },
    body: counted as unknown as BodyInit,
    duplex: 'half',
  } as RequestInit);
  if (!res.ok) throw new CliError(`upload of ${file.path} failed: ${((await res.json().catch(() => null)) as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${res.status}`}`);
}

/** Hashes locally, uploads only the blobs the hub lacks, registers the version, and moves the alias if asked. */
export async function pushModel(hub: HubClient, target: string, options: PushOptions) {
  const { files, format } = await modelFiles(target);
  const missing: LocalFile[] = [];
  for (const file of files) {
    const head = await hub.fetch(`/v1/blobs/${file.digest}`, { method: 'HEAD' });
    if (head.status === 404) missing.push(file);
    else if (!head.ok) throw new CliError(`cannot check blob ${file.digest}: HTTP ${head.status}`);
  }
  const bytes = missing.reduce((n, f) => n + f.size, 0);
  const bar = progressBar(bytes, 'uploading');
  try {
    for (const file of missing) await uploadBlob(hub, file, (n) => bar.add(n));
  } finally {
    bar.stop();
  }
  await hub.json('POST', '/v1/models', { name: options.name, ...(options.devices ? { devices: true } : {}) }, [409]);
  if (options.devices) await hub.json('PATCH', `/v1/models/${options.name}`, { devices: true });
  const manifest = files.map(({ path, digest, size }) => ({ path, digest, size }));
  const { version } = await hub.json<{ version: ModelVersion }>('POST', `/v1/models/${options.name}/versions`, { format, files: manifest, ...(options.run ? { runId: options.run } : {}) });
  if (options.alias) await hub.json('PUT', `/v1/models/${options.name}/aliases/${options.alias}`, { version: version.version, reason: options.reason });
  return { ref: `${options.name}/${version.version}`, version: version.version, format, files: files.length, uploaded: missing.length, uploadedBytes: bytes, alias: options.alias ?? null };
}

/** `name@alias` → `/v1/models/name@alias/manifest`; `name/3` → the version's manifest; `name` → production. */
function manifestPath(ref: string): string {
  const m = /^([^@/]+)\/(\d+)$/.exec(ref);
  return m ? `/v1/models/${encodeURIComponent(m[1]!)}/versions/${m[2]}/manifest` : `/v1/models/${encodeURIComponent(ref)}/manifest`;
}

/** Downloads a version's files into a folder, verifying every digest before a file is put in place. */
export async function pullModel(hub: HubClient, ref: string, dir: string) {
  const manifest = await hub.json<Manifest>('GET', manifestPath(ref));
  const root = resolve(dir);
  const bar = progressBar(manifest.files.reduce((n, f) => n + f.size, 0), 'downloading');
  try {
    for (const file of manifest.files) {
      const target = resolve(root, file.path);
      if (!target.startsWith(root + sep)) throw new CliError(`refusing a file path outside ${dir}: ${file.path}`);
      const res = await hub.fetch(`/v1/blobs/${file.digest}`);
      if (!res.ok) throw new CliError(`download of ${file.path} failed: HTTP ${res.status}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      bar.add(bytes.byteLength);
      const actual = await sha256Digest(bytes);
      if (actual !== file.digest) throw new CliError(`${file.path} hashes to ${actual}, not ${file.digest}; nothing written for it`);
      await mkdir(dirname(target), { recursive: true });
      const temp = `${target}.partial`;
      await writeFile(temp, bytes);
      await rename(temp, target).catch(async (err) => {
        await rm(temp, { force: true });
        throw err;
      });
    }
  } finally {
    bar.stop();
  }
  return { ref, model: manifest.model, version: manifest.version, format: manifest.format, dir: root, files: manifest.files.length };
}

export async function listModels(hub: HubClient, name?: string) {
  if (!name) return (await hub.json<{ models: RegisteredModel[] }>('GET', '/v1/models')).models;
  return (await hub.json<{ versions: ModelVersion[] }>('GET', `/v1/models/${encodeURIComponent(name)}/versions`)).versions;
}

