import { toHex } from '../../shared/digest.js';

/**
 * Later loads check a stored file against the sha256 of each of its 4 MiB chunks, recorded when the download had
 * verified the whole file against the manifest's digest. The chunks hash on WebCrypto's own thread while the session
 * builds, and a damaged chunk names where the damage is.
 */
export const CHUNK_BYTES = 4 << 20;

/** The hex sha256 of each CHUNK_BYTES slice of `bytes` (the last one shorter). */
export function chunkDigests(bytes: Uint8Array): Promise<string[]> {
  const count = Math.max(1, Math.ceil(bytes.byteLength / CHUNK_BYTES));
  return Promise.all(Array.from({ length: count }, (_, i) => digestHex(bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES))));
}

const digestHex = async (bytes: Uint8Array) => toHex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));

/** What a stored file must be: its size and either its chunks' digests or (records from before chunks) its whole sha256. */
export interface StoredCheck {
  digest: string;
  size: number;
  chunks?: string[];
}

/** Why `bytes` are not the file `check` describes, or null when every chunk matches. */
export async function chunkFailure(bytes: Uint8Array, check: StoredCheck): Promise<string | null> {
  if (bytes.byteLength !== check.size) return `it has ${bytes.byteLength} bytes where ${check.size} were stored`;
  if (!check.chunks) {
    const actual = `sha256:${await digestHex(bytes)}`;
    return actual === check.digest ? null : `its sha256 is ${actual}, the manifest says ${check.digest}`;
  }
  const actual = await chunkDigests(bytes);
  if (actual.length !== check.chunks.length) return `it has ${actual.length} chunks where ${check.chunks.length} were recorded`;
  const bad = actual.findIndex((d, i) => d !== check.chunks![i]);
  return bad < 0 ? null : `its chunk ${bad + 1} of ${actual.length} (bytes ${bad * CHUNK_BYTES}–${Math.min(check.size, (bad + 1) * CHUNK_BYTES) - 1}) hashes to sha256:${actual[bad]}, recorded sha256:${check.chunks[bad]}`;
}
