import type { HubClient } from '../../shared/client/hub-client.js';
import type { DatasetFile } from '../../shared/schemas/datasets.js';
import { blobBytes, openStore } from '../cache/db.js';
import { verifyBlob } from '../cache/digest.js';
import { downloadBlob } from '../cache/download.js';
import type { FileProgress } from '../cache/models.js';
import { OutpostRuntimeError, storageError, throwIfAborted } from '../errors.js';

export interface DatasetFileOptions {
  onProgress?: (p: FileProgress) => void;
  signal?: AbortSignal;
  /** false: download and verify, but keep nothing in IndexedDB. */
  cache?: boolean;
}

/**
 * A dataset file's bytes: from IndexedDB when kept there and still hashing to the manifest's digest (a damaged copy is
 * dropped and fetched again), else downloaded with progress, verified, and kept. Bytes that fail their sha256 are an
 * `integrity` error naming the path, and nothing is kept.
 */
export async function datasetFileBytes(hub: HubClient, ref: string, file: DatasetFile, options: DatasetFileOptions = {}): Promise<ArrayBuffer> {
  const { onProgress, signal } = options;
  const db = await openStore();
  const kept = await db.get('datasetBlobs', file.digest);
  if (kept && kept.size === file.size) {
    const data = await blobBytes(kept.data!);
    if (await verifyBlob(data, file.digest, file.size, file.path).then(() => true, () => false)) {
      onProgress?.({ path: file.path, loaded: file.size, total: file.size });
      return data;
    }
    await db.delete('datasetBlobs', file.digest);
  }
  throwIfAborted(signal, `loading ${file.path} of ${ref}`);
  onProgress?.({ path: file.path, loaded: 0, total: file.size });
  let data: ArrayBuffer;
  try {
    data = await downloadBlob(hub, file, signal, (loaded) => onProgress?.({ path: file.path, loaded, total: file.size }));
  } catch (err) {
    if ((err as Error)?.name === 'AbortError') throw new OutpostRuntimeError('aborted', `loading ${file.path} of ${ref} was aborted`, { cause: err });
    if ((err as OutpostRuntimeError).code === 'offline') {
      throw new OutpostRuntimeError('offline', `${file.path} of ${ref} is not cached on this device and could not be downloaded: ${(err as Error).message}`, { cause: err });
    }
    throw err;
  }
  await verifyBlob(data, file.digest, file.size, `${file.path} of ${ref} as downloaded`);
  if (options.cache !== false) {
    try {
      await db.put('datasetBlobs', { digest: file.digest, size: file.size, data: new Blob([data]), storedAt: Date.now() });
    } catch (err) {
      throw storageError(err, `caching ${file.path} of ${ref}`);
    }
  }
  return data;
}
