import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { OutpostError } from '../../shared/errors.js';
import type { HubEnv } from './env.js';

const hasBody = (req: Request) => {
  const length = req.headers.get('content-length');
  return (length !== null && length !== '0') || req.headers.has('transfer-encoding');
};

const isBlobPath = (path: string) => path.startsWith('/v1/blobs/');

/** JSON routes take JSON: a body with another content type is a 415 rather than a confusing validation error. */
export const jsonBodies = createMiddleware<HubEnv>(async (c, next) => {
  const method = c.req.method;
  if ((method === 'POST' || method === 'PUT' || method === 'PATCH') && !isBlobPath(c.req.path) && hasBody(c.req.raw)) {
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
      throw new OutpostError(415, 'unsupported_media_type', `expected Content-Type: application/json, got ${type ? `"${type}"` : 'none'}`);
    }
  }
  await next();
});

/** Caps JSON bodies at OUTPOST_MAX_BODY (blobs have their own, larger limit). */
export const jsonBodyLimit = createMiddleware<HubEnv>(async (c, next) => {
  if (isBlobPath(c.req.path)) return next();
  const maxSize = c.var.deps.config.maxBody;
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new OutpostError(413, 'payload_too_large', `request body is larger than ${maxSize} bytes (OUTPOST_MAX_BODY)`, { limit: maxSize });
    },
  })(c, next);
});
