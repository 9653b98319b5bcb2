import { sha256Digest } from '../../shared/digest.js';
import { OutpostRuntimeError } from '../errors.js';

/** A blob is used only when its bytes hash to the digest the manifest names. */
export async function verifyBlob(data: ArrayBuffer, digest: string, size: number, what: string): Promise<void> {
  if (data.byteLength !== size) {
    throw new OutpostRuntimeError('integrity', `${what} is truncated or padded: ${data.byteLength} bytes where the manifest says ${size}`);
  }
  const actual = await sha256Digest(data);
  if (actual !== digest) throw new OutpostRuntimeError('integrity', `${what} is corrupt: its sha256 is ${actual}, the manifest says ${digest}`);
}
