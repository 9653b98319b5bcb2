import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { OutpostError } from '../../shared/errors.js';
import { describeForLog, toOutpostError } from '../core/errors.js';

/** The validator's 415 (a body of a type the route does not declare), saying what was sent. */
function unsupportedType(c: Context): OutpostError {
  const type = c.req.header('content-type');
  return new OutpostError(415, 'unsupported_media_type', `expected Content-Type: application/json (or another type the route's entry in /docs lists), got ${type ? `"${type}"` : 'none'}`);
}

/** A 5xx in the hub's log: the route and what failed, without keys or the values bound to a failed query. */
export function logUnhandled(c: Context, err: unknown): void {
  console.error(`[outpost] unhandled error on ${c.req.method} ${c.req.path}\n${describeForLog(err)}`);
}

/** The one place an error becomes a response. */
export function handleError(err: unknown, c: Context): Response {
  const e = err instanceof HTTPException && err.status === 415 ? unsupportedType(c) : toOutpostError(err);
  if (e.status >= 500) logUnhandled(c, err);
  return c.json(e.toJSON(), e.status as 400);
}
