import { createMiddleware } from 'hono/factory';
import { OutpostError } from '../../shared/errors.js';
import { isMetricsFrame } from '../tracking/frame-log.js';
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
    const frameRoute = c.req.path.endsWith('/log') && isMetricsFrame(type);
    if (!frameRoute && !/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
      throw new OutpostError(415, 'unsupported_media_type', `expected Content-Type: application/json, got ${type ? `"${type}"` : 'none'}`);
    }
  }
  await next();
});

/**
 * Caps JSON bodies at OUTPOST_MAX_BODY (blobs have their own, larger limit). A declared length over the cap is
 * refused before reading. A chunked body over the cap is read through and dropped (up to OUTPOST_MAX_UPLOAD, then
 * cancelled): a client still sending would otherwise never see the 413.
 */
export const jsonBodyLimit = createMiddleware<HubEnv>(async (c, next) => {
  if (isBlobPath(c.req.path)) return next();
  const maxSize = c.var.deps.config.maxBody;
  const tooLarge = () => new OutpostError(413, 'payload_too_large', `request body is larger than ${maxSize} bytes (OUTPOST_MAX_BODY)`, { limit: maxSize });
  const declared = c.req.header('content-length');
  // Checked before touching the body: on Node, reading `body` starts a web stream the handler may not want.
  if (declared !== undefined) {
    if (Number(declared) > maxSize) throw tooLarge();
    return next();
  }
  const body = c.req.raw.body;
  if (!body) return next();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > c.var.deps.config.maxUpload) await reader.cancel();
    if (size <= maxSize) chunks.push(value);
  }
  if (size > maxSize) throw tooLarge();
  c.req.raw = new Request(c.req.raw, { body: new Blob(chunks as BlobPart[]) });
  await next();
});
