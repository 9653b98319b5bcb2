/** Standard Webhooks secrets: `whsec_` + base64 of 24 random bytes (the `standardwebhooks` package reads this form). */
export function newWebhookSecret(): string {
  return `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(24)))}`;
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text);
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/**
 * The three Standard Webhooks headers for one attempt: `webhook-signature` is `v1,` + base64 HMAC-SHA256 of
 * `id.timestamp.body` keyed by the secret's decoded bytes. Web Crypto, so it runs on Node and Workers alike.
 */
export async function signDelivery(secret: string, id: string, timestampS: number, body: string): Promise<Record<string, string>> {
  const key = await crypto.subtle.importKey('raw', fromBase64(secret.replace(/^whsec_/, '')), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${timestampS}.${body}`));
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampS), 'webhook-signature': `v1,${toBase64(new Uint8Array(mac))}` };
}
