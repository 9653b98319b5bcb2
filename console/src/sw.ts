/// <reference lib="webworker" />
/**
 * The console's service worker (DESIGN §10, offline page reload): it keeps the app shell — index.html and the
 * hashed files it names — so a console page reloads with no network. API calls are never cached: they carry a
 * key and must be current, so offline they fail and the page says why.
 */
declare const self: ServiceWorkerGlobalScope;
export {};

const CACHE = 'outpost-console';
const SHELL = '/';
const HUB_PATHS = /^\/(v1|api|ajax-api|docs|openapi\.json|healthz|runtime)(\/|\.|$)/;

const assetsNamedIn = (html: string) => [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);

/** Keeps this index.html and its files; files no index names any more are dropped. */
async function keepShell(index: Response): Promise<void> {
  const cache = await caches.open(CACHE);
  const assets = assetsNamedIn(await index.clone().text());
  const have = new Set((await cache.keys()).map((r) => new URL(r.url).pathname));
  await cache.addAll(assets.filter((a) => !have.has(a)));
  await cache.put(SHELL, index);
  for (const path of have) if (path !== SHELL && !assets.includes(path)) await cache.delete(path);
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    fetch(SHELL, { cache: 'no-cache' })
      .then((res) => (res.ok ? keepShell(res) : Promise.reject(new Error(`GET / answered ${res.status}`))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== location.origin || HUB_PATHS.test(url.pathname)) return;
  if (request.mode === 'navigate') {
    // Network first, so a new console build shows at once; the cached shell when the hub cannot be reached.
    event.respondWith(
      fetch(request).then(
        (res) => {
          if (res.ok && res.headers.get('content-type')?.includes('text/html')) event.waitUntil(keepShell(res.clone()).catch(() => undefined));
          return res;
        },
        async () => (await caches.match(SHELL)) ?? Response.error(),
      ),
    );
  } else if (url.pathname.startsWith('/assets/')) {
    // Hashed names never change content: the cache first, and files loaded later (split chunks) kept as they come.
    event.respondWith(
      caches.match(request).then(
        (hit) =>
          hit ??
          fetch(request).then(async (res) => {
            if (res.ok) await (await caches.open(CACHE)).put(request, res.clone());
            return res;
          }),
      ),
    );
  }
});
