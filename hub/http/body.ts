import type { Context } from 'hono';
import type { HubEnv } from './env.js';

/**
 * The request body as bytes: the platform's fast reader when its entry supplies one (Node), else the standard one.
 * `alignAt`: a byte offset the reader places at a multiple of 8 in the body's buffer where it can (Node's does), so
 * typed arrays over the bytes after it (binary tensors after a JSON header) view them without a copy.
 */
export async function bodyBytes(c: Context<HubEnv>, alignAt = 0): Promise<Uint8Array> {
  const { readBody } = c.get('deps');
  return readBody ? readBody(c, alignAt) : new Uint8Array(await c.req.arrayBuffer());
}
