import { OutpostRuntimeError, storageError } from './errors.js';

/** Set at build time: the assets of one runtime build are cached together and replaced together. */
declare const __OUTPOST_RUNTIME_BUILD__: string;
export const RUNTIME_BUILD: string = typeof __OUTPOST_RUNTIME_BUILD__ === 'string' ? __OUTPOST_RUNTIME_BUILD__ : 'dev';

/** Set at build time: logical asset names → their content-hashed files, which the hub serves as immutable. */
declare const __OUTPOST_RUNTIME_ASSETS__: Record<string, string>;
const ASSETS: Record<string, string> = typeof __OUTPOST_RUNTIME_ASSETS__ === 'object' ? __OUTPOST_RUNTIME_ASSETS__ : {};
/** The file the hub serves for a logical name (unbuilt code asks by the logical name, which the hub redirects). */
export const assetFile = (path: string) => ASSETS[path] ?? path;

const CACHE_PREFIX = 'outpost-runtime-assets-';
const cacheName = (build: string) => `${CACHE_PREFIX}${build}`;

/**
 * A runtime asset (worker script, onnxruntime or tfjs files) from the Cache API, fetched from the hub on first use,
 * so the runtime starts with no network once it has run online (DESIGN §10 "Offline page reload").
 */
export async function cachedAsset(base: string, path: string, build = RUNTIME_BUILD): Promise<Response> {
  const url = `${base}/runtime/${assetFile(path)}`;
  const cache = typeof caches === 'undefined' ? undefined : await caches.open(cacheName(build)).catch(() => undefined);
  const hit = await cache?.match(url);
  if (hit) return hit;
  let res: Response;
  try {
    res = await fetch(url, { mode: 'cors', credentials: 'omit' });
  } catch (err) {
    throw new OutpostRuntimeError('offline', `runtime file ${path} is not cached yet and ${base} cannot be reached: start the runtime once while online`, { cause: err });
  }
  if (!res.ok) throw new OutpostRuntimeError('hub', `runtime file ${url} answered ${res.status}: is the hub built (npm start builds it)?`);
  if (cache) {
    try {
      await cache.put(url, res.clone());
    } catch (err) {
      // The runtime still works from the network; only offline starts need this copy, so say so and go on.
      console.warn(`outpost: ${storageError(err, `caching runtime file ${path}`).message}; the runtime will need the network to start`);
    }
  }
  return res;
}

/** Drops the asset caches of other runtime builds. */
export async function dropOldAssetCaches(build = RUNTIME_BUILD): Promise<void> {
  if (typeof caches === 'undefined') return;
  for (const name of await caches.keys()) if (name.startsWith(CACHE_PREFIX) && name !== cacheName(build)) await caches.delete(name);
}

/** Imports an ES module asset through a blob URL, so it loads from the Cache API offline and across origins. */
export async function importAsset<T>(base: string, path: string): Promise<T> {
  const res = await cachedAsset(base, path);
  const url = URL.createObjectURL(new Blob([await res.text()], { type: 'text/javascript' }));
  return (await import(/* @vite-ignore */ url)) as T;
}

/** A module worker started from a blob URL holding the hub's worker script (works for pages on other origins). */
export async function startWorker(base: string, path: string, name: string): Promise<Worker> {
  const res = await cachedAsset(base, path);
  const url = URL.createObjectURL(new Blob([await res.text()], { type: 'text/javascript' }));
  return new Worker(url, { type: 'module', name });
}
