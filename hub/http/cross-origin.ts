import { createMiddleware } from 'hono/factory';
import { cors } from 'hono/cors';
import type { HubEnv } from './env.js';

const corsHeaders = cors({
  // Echoed for any origin: a preflight carries no key, so publishable keys' allowed origins are checked on the request itself.
  origin: (origin) => origin || null,
  allowMethods: ['GET', 'HEAD', 'PUT', 'POST'],
  allowHeaders: ['Authorization', 'Content-Type', 'If-None-Match', 'Idempotency-Key', 'Range', 'Outpost-Device'],
  exposeHeaders: ['ETag', 'Content-Length', 'Content-Range', 'Accept-Ranges'],
  maxAge: 7200,
});

/**
 * What a page on another origin needs from the hub (DESIGN §10: the runtime, manifests, blobs, sync, publishing):
 * CORS headers, preflights answered here. A route file applies it with `router.use(path, crossOrigin())` so that
 * preflights (OPTIONS) reach it too. `resourcePolicy` adds `Cross-Origin-Resource-Policy: cross-origin`, so
 * cross-origin-isolated pages (COEP require-corp) may load the response: runtime files and blobs.
 */
export const crossOrigin = (options: { resourcePolicy?: boolean } = {}) =>
  createMiddleware<HubEnv>(async (c, next) => {
    const preflight = await corsHeaders(c, next);
    if (preflight) return preflight;
    if (options.resourcePolicy) c.header('Cross-Origin-Resource-Policy', 'cross-origin');
  });

/** The hub's own pages are cross-origin isolated, so the runtime may use multi-threaded WASM there. */
export const isolatedPages = createMiddleware<HubEnv>(async (c, next) => {
  await next();
  if (!/^text\/html/i.test(c.res.headers.get('content-type') ?? '')) return;
  c.header('Cross-Origin-Opener-Policy', 'same-origin');
  c.header('Cross-Origin-Embedder-Policy', 'require-corp');
});
