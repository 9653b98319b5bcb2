import { createMiddleware } from 'hono/factory';
import { cors } from 'hono/cors';
import type { HubEnv } from './env.js';

/** Runtime files a customer page loads with `<script>` or `importScripts` (served by hub/runtime routes). */
const isRuntimeAsset = (path: string) => path === '/runtime.js' || path === '/runtime-sw.js' || path.startsWith('/runtime/');
const isBlob = (path: string) => path.startsWith('/v1/blobs/');
const isManifest = (path: string) => /^\/v1\/models\/.+\/manifest$/.test(path);
/** Publishing a fine-tune from the page (runtime/training/publish.ts): making the model, registering the version. */
const isPublish = (path: string) => path === '/v1/models' || /^\/v1\/models\/[^/]+\/versions$/.test(path);

/** What a page on another origin needs from the hub (DESIGN §10): the runtime, manifests, blobs, sync and publishing. */
export const isCrossOriginPath = (path: string) => isRuntimeAsset(path) || isBlob(path) || isManifest(path) || isPublish(path) || path === '/v1/sync';

const corsHeaders = cors({
  // Echoed for any origin: a preflight carries no key, so publishable keys' allowed origins are checked on the request itself.
  origin: (origin) => origin || null,
  allowMethods: ['GET', 'HEAD', 'PUT', 'POST'],
  allowHeaders: ['Authorization', 'Content-Type', 'If-None-Match', 'Idempotency-Key', 'Range'],
  exposeHeaders: ['ETag', 'Content-Length', 'Content-Range', 'Accept-Ranges'],
  maxAge: 7200,
});

/**
 * CORS on the cross-origin paths (preflights answered here), and `Cross-Origin-Resource-Policy: cross-origin` on
 * runtime files and blobs so that cross-origin-isolated pages (COEP require-corp) may load them.
 */
export const crossOrigin = createMiddleware<HubEnv>(async (c, next) => {
  const path = c.req.path;
  if (!isCrossOriginPath(path)) return next();
  const preflight = await corsHeaders(c, next);
  if (preflight) return preflight;
  if (isRuntimeAsset(path) || isBlob(path)) c.header('Cross-Origin-Resource-Policy', 'cross-origin');
});

/** The hub's own pages are cross-origin isolated, so the runtime may use multi-threaded WASM there. */
export const isolatedPages = createMiddleware<HubEnv>(async (c, next) => {
  await next();
  if (!/^text\/html/i.test(c.res.headers.get('content-type') ?? '')) return;
  c.header('Cross-Origin-Opener-Policy', 'same-origin');
  c.header('Cross-Origin-Embedder-Policy', 'require-corp');
});
