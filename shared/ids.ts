import { base64url } from './base64url.js';

/** Random identifiers and API keys, from WebCrypto so hub, runtime and CLI make them alike. */

function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** A short random id with a type prefix, e.g. `key_3kTqv9x0PZ1aB2cD`. */
export function newId(prefix: string): string {
  return `${prefix}_${base64url(randomBytes(12)).replace(/[-_]/g, 'x')}`;
}

export type KeyKind = 'secret' | 'publishable';

/** `sk_` or `pk_` followed by 43 base64url characters (32 random bytes). */
export const KEY_RE = /^(sk|pk)_[A-Za-z0-9_-]{43}$/;

export function newApiKey(kind: KeyKind): string {
  return `${kind === 'secret' ? 'sk' : 'pk'}_${base64url(randomBytes(32))}`;
}

export function keyKindOf(key: string): KeyKind | null {
  if (!KEY_RE.test(key)) return null;
  return key.startsWith('sk_') ? 'secret' : 'publishable';
}
