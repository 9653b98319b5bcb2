import { getBlob } from '../../shared/client/blobs.js';
import type { HubClient } from '../../shared/client/hub-client.js';
import { OutpostRuntimeError } from '../errors.js';
import { hubFailure } from '../hub.js';

/** A file a manifest names: where it goes, and the bytes it must be. */
export interface NamedBlob {
  path: string;
  digest: string;
  size: number;
}

/**
 * Downloads a blob, reporting bytes as they arrive. Not verified here: a reply of another length comes back with that
 * length (its contents unread past the expected size), so the caller's check names the size.
 */
export async function downloadBlob(hub: HubClient, file: NamedBlob, signal: AbortSignal | undefined, onBytes: (n: number) => void): Promise<ArrayBuffer> {
  const res = await getBlob(hub, file.digest, { signal }).catch((err) => {
    throw hubFailure(err, `could not download ${file.path}`);
  });
  if (!res.body) return res.arrayBuffer();
  const out = new Uint8Array(file.size);
  const reader = res.body.getReader();
  let n = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // More bytes than the manifest says: keep counting so verification names the size, but never write past the end.
      if (n + value.byteLength <= out.byteLength) out.set(value, n);
      n += value.byteLength;
      onBytes(Math.min(n, file.size));
    }
  } catch (err) {
    if ((err as Error)?.name === 'AbortError') throw err;
    throw new OutpostRuntimeError('offline', `the download of ${file.path} broke off after ${n} of ${file.size} bytes`, { cause: err });
  }
  return n === file.size ? out.buffer : new ArrayBuffer(n);
}
