/** base64url without padding (RFC 4648 §5): keys, ids and page tokens, the same on hub, runtime and CLI. */

export function base64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The bytes of a base64url string; throws on characters outside the alphabet. */
export function fromBase64url(text: string): Uint8Array {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** Text as UTF-8 in base64url, so tokens may carry any characters (btoa alone takes only Latin-1). */
export const textToBase64url = (text: string) => base64url(new TextEncoder().encode(text));
export const base64urlToText = (encoded: string) => new TextDecoder('utf-8', { fatal: true }).decode(fromBase64url(encoded));
