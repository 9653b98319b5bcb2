import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { hasBlob, putBlob } from '../../shared/client/blobs.js';
import type { HubClient } from '../../shared/client/hub-client.js';
import { createModel, createVersion, moveAlias, updateModel } from '../../shared/client/registry.js';
import { OutpostError } from '../../shared/errors.js';
import { CliError } from '../context.js';
import { modelFiles, type LocalFile } from '../files.js';
import { progressBar } from '../progress.js';

export interface PushOptions {
  name: string;
  alias?: string;
  run?: string;
  devices?: boolean;
  reason?: string;
}

/** Uploads one file as a blob, streaming, counting bytes for the progress bar (models and datasets). */
export async function uploadBlob(hub: HubClient, file: LocalFile, onBytes: (n: number) => void) {
  const source = Readable.toWeb(createReadStream(file.absolute)) as unknown as ReadableStream<Uint8Array>;
  const counted = source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        onBytes(chunk.byteLength);
        controller.enqueue(chunk);
      },
    }),
  );
  // Node's fetch streams a body only with `duplex: 'half'`, which RequestInit's types do not know yet.
  const init = { headers: { 'content-length': String(file.size) }, duplex: 'half' } as RequestInit;
  await putBlob(hub, file.digest, counted as unknown as BodyInit, init).catch((err) => {
    throw err instanceof OutpostError ? new CliError(`upload of ${file.path} failed: ${err.message}`) : err;
  });
}

/** Hashes locally, uploads only the blobs the hub lacks, registers the version, and moves the alias if asked. */
export async function pushModel(hub: HubClient, target: string, options: PushOptions) {
  const { files, format } = await modelFiles(target);
  const missing: LocalFile[] = [];
  for (const file of files) if (!(await hasBlob(hub, file.digest))) missing.push(file);
  const bytes = missing.reduce((n, f) => n + f.size, 0);
  const bar = progressBar(bytes, 'uploading');
  try {
    for (const file of missing) await uploadBlob(hub, file, (n) => bar.add(n));
  } finally {
    bar.stop();
  }
  // A model that exists already is fine: pushing adds a version to it.
  await createModel(hub, { name: options.name, ...(options.devices ? { devices: true } : {}) }).catch((err) => {
    if (!(err instanceof OutpostError && err.status === 409)) throw err;
  });
  if (options.devices) await updateModel(hub, options.name, { devices: true });
  const manifest = files.map(({ path, digest, size }) => ({ path, digest, size }));
  const { version } = await createVersion(hub, options.name, { format, files: manifest, ...(options.run ? { runId: options.run } : {}) });
  if (options.alias) await moveAlias(hub, options.name, options.alias, { version: version.version, reason: options.reason });
  return { ref: `${options.name}/${version.version}`, version: version.version, format, files: files.length, uploaded: missing.length, uploadedBytes: bytes, alias: options.alias ?? null };
}
