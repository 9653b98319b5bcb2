import { toHex } from '../../shared/digest.js';

/**
 * Later loads check a stored file against the sha256 of each of its 4 MiB chunks, recorded when the download had
 * verified the whole file against the manifest's digest; a damaged chunk names where the damage is.
 */
export const CHUNK_BYTES = 4 << 20;

/**
 * The hex sha256 of each `chunk`-byte slice of `bytes` (the last one shorter; an empty file has one). `bytes` may be a
 * view of shared memory (onnxruntime's wasm heap): WebCrypto takes no such view, so each chunk is copied out first.
 */
export type ChunkHasher = (bytes: Uint8Array, chunk: number) => Promise<string[]>;

/** The number of `chunk`-byte slices of `size` bytes: an empty file has one. */
export const chunkCount = (size: number, chunk: number) => Math.max(1, Math.ceil(size / chunk));

/** Whether a view lies in shared memory (a SharedArrayBuffer, or a shared WebAssembly.Memory's buffer). */
export const isShared = (view: Uint8Array) => !(view.buffer instanceof ArrayBuffer);

/**
 * Hashes on this thread: Chromium's WebCrypto digests on the calling thread (about 200 MB/s on this project's machine),
 * so one chunk at a time, letting other tasks in between.
 */
export const hashHere: ChunkHasher = async (view, chunk) => {
  const digests: string[] = [];
  for (let i = 0, n = chunkCount(view.byteLength, chunk); i < n; i++) {
    const part = view.subarray(i * chunk, (i + 1) * chunk);
    digests.push(toHex(await crypto.subtle.digest('SHA-256', (isShared(part) ? part.slice() : part) as Uint8Array<ArrayBuffer>)));
  }
  return digests;
};

export const chunkDigests = (bytes: ArrayBuffer): Promise<string[]> => hashHere(new Uint8Array(bytes), CHUNK_BYTES);

/** What a stored file must be: its size and either its chunks' digests or (records from before chunks) its whole sha256. */
export interface StoredCheck {
  digest: string;
  size: number;
  chunks?: string[];
}

/** Why `bytes` are not the file `check` describes, or null when every chunk matches. */
export async function chunkFailure(bytes: Uint8Array, check: StoredCheck, hash: ChunkHasher = hashHere): Promise<string | null> {
  if (bytes.byteLength !== check.size) return `it has ${bytes.byteLength} bytes where ${check.size} were stored`;
  if (!check.chunks) {
    const [whole] = await hash(bytes, Math.max(1, check.size));
    return `sha256:${whole}` === check.digest ? null : `its sha256 is sha256:${whole}, the manifest says ${check.digest}`;
  }
  const actual = await hash(bytes, CHUNK_BYTES);
  if (actual.length !== check.chunks.length) return `it has ${actual.length} chunks where ${check.chunks.length} were recorded`;
  const bad = actual.findIndex((d, i) => d !== check.chunks![i]);
  return bad < 0 ? null : `its chunk ${bad + 1} of ${actual.length} (bytes ${bad * CHUNK_BYTES}–${Math.min(check.size, (bad + 1) * CHUNK_BYTES) - 1}) hashes to sha256:${actual[bad]}, recorded sha256:${check.chunks[bad]}`;
}
