/**
 * Optional service worker for pages that use the runtime (DESIGN §10 "Offline page reload"). Register it from
 * your own origin with a one-line file: `importScripts('https://YOUR-HUB/runtime-sw.js')`. It keeps the page
 * and the hub's runtime files so the page reloads with no network; models and the outbox live in IndexedDB.
 *   pages and their own files: network first, cache when offline
 *   the hub's content-hashed runtime files (any origin): cache first, they never change
 *   /runtime.js and the hub's other unhashed runtime files: network first, so a new build reaches the page
 * API calls (/v1/…) are never cached here.
 */
export {};
const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = 'outpost-pages-v1';

const isRuntimeAsset = (url: URL) => url.pathname === '/runtime.js' || url.pathname.startsWith('/runtime/');
/** build/runtime.ts puts 12 hex digits of the content's sha256 in every file name but the entry points'. */
const isHashed = (url: URL) => /\.[0-9a-f]{12}\.[a-z0-9]+$/.test(url.pathname);
const isApi = (url: URL) => url.pathname.startsWith('/v1/') || url.pathname.startsWith('/api/');

sw.addEventListener('install', () => void sw.skipWaiting());
sw.addEventListener('activate', (event) => event.waitUntil(sw.clients.claim()));

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || isApi(url)) return;
  const sameOrigin = url.origin === sw.location.origin;
  if (!sameOrigin && !isRuntimeAsset(url)) return;
  event.respondWith(isRuntimeAsset(url) && isHashed(url) ? cacheFirst(request) : networkFirst(request));
});

async function cacheFirst(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request, { ignoreVary: true });
  if (hit) return hit;
  const res = await fetch(request);
  // A plain <script src> of another origin gives an opaque response: keep it too, it is what the page will run.
  if (res.ok || res.type === 'opaque') await cache.put(request, res.clone());
  return res;
}

async function networkFirst(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const res = await fetch(request);
    if (res.ok || res.type === 'opaque') await cache.put(request, res.clone());
    return res;
  } catch (err) {
    const hit = await cache.match(request, { ignoreSearch: request.mode === 'navigate', ignoreVary: true });
    if (hit) return hit;
    throw err;
  }
}
