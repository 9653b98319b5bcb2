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

/** How many times a download that broke off is resumed before it counts as failed. */
export const RESUMES = 3;

/**
 * Downloads a blob, reporting bytes as they arrive. A body that breaks off is resumed where it stopped, with
 * `Range: bytes=N-` (blobs are addressed by their digest, so the rest is the same file's rest: no If-Range needed),
 * up to RESUMES times; a hub that answers a range with the whole file starts it over. Not verified here: a reply of
 * another length comes back with that length (its contents unread past the expected size), so the caller's check
 * names the size.
 */
export async function downloadBlob(
  hub: HubClient,
  file: NamedBlob,
  signal: AbortSignal | undefined,
  onBytes: (n: number) => void,
  /** Each piece of the body as it arrives, with its offset in the file (to write it to storage as it streams in). */
  onChunk?: (bytes: Uint8Array, at: number) => void,
): Promise<ArrayBuffer> {
  const out = new Uint8Array(file.size);
  let n = 0;
  for (let resumes = 0; ; resumes++) {
    const from = n;
    const res = await getBlob(hub, file.digest, { signal, ...(from > 0 ? { headers: { Range: `bytes=${from}-` } } : {}) }).catch((err) => {
      throw hubFailure(err, from > 0 ? `could not resume the download of ${file.path} at byte ${from}` : `could not download ${file.path}`);
    });
    if (from > 0 && res.status !== 206) n = 0;
    if (!res.body) return res.arrayBuffer();
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        // More bytes than the manifest says: keep counting so verification names the size, but never write past the end.
        if (n + value.byteLength <= out.byteLength) {
          out.set(value, n);
          onChunk?.(value, n);
        }
        n += value.byteLength;
        onBytes(Math.min(n, file.size));
      }
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw err;
      if (resumes < RESUMES && n < file.size) continue;
      throw new OutpostRuntimeError('offline', `the download of ${file.path} broke off after ${n} of ${file.size} bytes${resumes ? ` (resumed ${resumes} times)` : ''}`, { cause: err });
    }
    return n === file.size ? out.buffer : new ArrayBuffer(n);
  }
}
