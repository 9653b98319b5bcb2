import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { OutpostError } from '../../shared/errors.js';
import { logUnhandled } from '../http/errors.js';
import { InferenceError } from './protocol.js';

/** Errors on `/v2` in the protocol's shape, `{"error": "…"}`, keeping the status (and headers such as Retry-After). */
export function inferenceErrorHandler(err: unknown, c: Context): Response {
  const status = err instanceof InferenceError || err instanceof OutpostError ? err.status : err instanceof HTTPException ? err.status : 500;
  if (status >= 500 && !(err instanceof InferenceError)) logUnhandled(c, err);
  const message = status >= 500 && !(err instanceof InferenceError) ? 'internal error: see the hub log' : (err as Error).message;
  return c.json({ error: message }, status as 400);
}
