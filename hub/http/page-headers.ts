import { createMiddleware } from 'hono/factory';
import type { HubEnv } from './env.js';

/**
 * The Content-Security-Policy of the hub's own pages (the console, `/docs`): scripts only from the hub's files (no
 * inline script, no other origin), with WebAssembly compiled from them ('wasm-unsafe-eval', for onnxruntime and
 * tfjs); scripts and workers also from blob URLs, which only code already running can make: the runtime imports
 * its modules and starts its workers from blobs of the hub's files kept in the Cache API, so it starts offline;
 * requests only to the hub; no plugins, no <base>, no framing.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  // Inline style attributes (charts size their canvases with them) and /docs' one <style>: styles run no code.
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Headers for every HTML page the hub serves: the CSP above, framing refused (`frame-ancestors` and, for older
 * browsers, X-Frame-Options), no type sniffing, no referrer to other origins. Other responses are left alone: the
 * runtime's files and blobs are loaded by pages on other origins and carry their own headers.
 */
export const pageHeaders = createMiddleware<HubEnv>(async (c, next) => {
  await next();
  if (!/^text\/html/i.test(c.res.headers.get('content-type') ?? '')) return;
  c.header('Content-Security-Policy', PAGE_CSP);
  c.header('X-Frame-Options', 'DENY');
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'same-origin');
});
