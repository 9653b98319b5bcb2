import type { Context } from 'hono';
import type { HubEnv } from './env.js';

/** The request body as bytes: the platform's fast reader when its entry supplies one (Node), else the standard one. */
export async function bodyBytes(c: Context<HubEnv>): Promise<Uint8Array> {
  const { readBody } = c.var.deps;
  return readBody ? readBody(c) : new Uint8Array(await c.req.arrayBuffer());
}
