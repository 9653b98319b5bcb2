import { toHex } from '../../shared/digest.js';

/**
 * Node's own SHA-256, synchronous: WebCrypto's digest goes through the thread pool and a promise, a measurable share
 * of a small request's time (profiled on `/v2` inference). Workers have no `process` and use WebCrypto.
 */
const nodeCrypto = (globalThis as { process?: { getBuiltinModule?: (id: 'node:crypto') => typeof import('node:crypto') } }).process?.getBuiltinModule?.('node:crypto');

export async function hashKey(key: string): Promise<string> {
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(key).digest('hex');
  return toHex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)));
}

/** Compares two equal-length strings without an early exit, so timing says nothing about where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}
