import type { Context } from 'hono';
import { toOutpostError } from '../core/errors.js';

/** The one place an error becomes a response. */
export function handleError(err: unknown, c: Context): Response {
  const e = toOutpostError(err);
  if (e.status >= 500) console.error('[outpost] unhandled error on', c.req.method, c.req.path, err);
  return c.json(e.toJSON(), e.status as 400);
}
