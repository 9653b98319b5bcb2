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

/** The paths whose bytes are missing, the wrong size, or hash to another digest than `checks` names. */
export async function failedChecks(files: Record<string, ArrayBuffer>, checks: Record<string, { digest: string; size: number }>): Promise<string[]> {
  const results = await Promise.all(
    Object.entries(checks).map(([path, { digest, size }]) => {
      const data = files[path];
      return data ? verifyBlob(data, digest, size, path).then(() => null, () => path) : path;
    }),
  );
  return results.filter((p): p is string => p !== null);
}
