/** Content addresses: `sha256:<64 lowercase hex>`. */
export const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

export type Digest = `sha256:${string}`;

export function isDigest(value: string): value is Digest {
  return DIGEST_RE.test(value);
}

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = '';
  for (const b of view) out += b.toString(16).padStart(2, '0');
  return out;
}

/** sha256 of a buffer with WebCrypto (works in Node, workerd and browsers). */
export async function sha256Digest(data: BufferSource): Promise<Digest> {
  return `sha256:${toHex(await crypto.subtle.digest('SHA-256', data))}`;
}
