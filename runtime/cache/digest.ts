import { OutpostRuntimeError } from '../errors.js';

const hex = (buf: ArrayBuffer) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

export async function sha256Digest(data: ArrayBuffer): Promise<string> {
  return `sha256:${hex(await crypto.subtle.digest('SHA-256', data))}`;
}

/** A blob is used only when its bytes hash to the digest the manifest names. */
export async function verifyBlob(data: ArrayBuffer, digest: string, size: number, what: string): Promise<void> {
  if (data.byteLength !== size) {
    throw new OutpostRuntimeError('integrity', `${what} is truncated or padded: ${data.byteLength} bytes where the manifest says ${size}`);
  }
  const actual = await sha256Digest(data);
  if (actual !== digest) throw new OutpostRuntimeError('integrity', `${what} is corrupt: its sha256 is ${actual}, the manifest says ${digest}`);
}
