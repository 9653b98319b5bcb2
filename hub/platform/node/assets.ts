import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import type { AssetServer } from '../../http/env.js';
import { acceptedEncodings, contentTypeOf, ENCODINGS, isHashedRuntimeAsset, isRuntimeAssetPath, runtimeCacheHeaders } from '../runtime-paths.js';

/** Serves a built folder; with `spa`, paths that are not files get index.html (the console routes itself). */
export function folderAssets(folder: string, { spa = true } = {}): AssetServer {
  const root = relative(process.cwd(), folder) || '.';
  const files = new Hono().use('*', serveStatic({ root }));
  if (spa) files.get('*', serveStatic({ root, path: 'index.html' }));
  return async (request) => {
    if (!existsSync(folder)) return null;
    const response = await files.fetch(request);
    return response.status === 404 ? null : response;
  };
}

/** The console at `/`, and the runtime's files (`/runtime.js`, `/runtime-sw.js`, `/runtime/*`) from their own build folder. */
export function hubAssets(consoleDir: string, runtimeDir: string): AssetServer {
  const consoleFiles = folderAssets(consoleDir);
  const runtimeFiles = runtimeAssets(runtimeDir);
  return (request) => (isRuntimeAssetPath(new URL(request.url).pathname) ? runtimeFiles(request) : consoleFiles(request));
}

type Stamp = { build: string; assets?: Record<string, string> };
let stamp: { path: string; mtimeMs: number; value: Stamp } | undefined;
/** The runtime build's stamp (id and hashed names), read again only when the build rewrote it. */
function readStamp(path: string): Stamp | undefined {
  const mtimeMs = existsSync(path) ? statSync(path).mtimeMs : undefined;
  if (mtimeMs === undefined) return undefined;
  if (stamp?.path !== path || stamp.mtimeMs !== mtimeMs) stamp = { path, mtimeMs, value: JSON.parse(readFileSync(path, 'utf8')) as Stamp };
  return stamp.value;
}

/**
 * The runtime's files: the build's .br or .gz copy when the request accepts it, hashed names immutable, entry points
 * revalidated by an ETag of the build id (a match is a 304), and a logical name (`ort/ort.bundle.min.mjs`, which older
 * pages and unbuilt code ask for) redirected to its hashed file.
 */
function runtimeAssets(dir: string): AssetServer {
  const files = folderAssets(dir, { spa: false });
  const stampPath = join(dir, 'runtime', 'build.json');
  return async (request) => {
    const url = new URL(request.url);
    const path = url.pathname;
    const build = readStamp(stampPath);
    const variants = ENCODINGS.filter(([, ext]) => existsSync(join(dir, path + ext)));
    const encoding = acceptedEncodings(request.headers.get('Accept-Encoding')).find((e) => variants.includes(e));
    const etag = build && !isHashedRuntimeAsset(path) ? `"${build.build}-${path.replace(/[^\w./-]/g, '')}${encoding ? `-${encoding[0]}` : ''}"` : undefined;
    if (etag && request.headers.get('If-None-Match') === etag) return new Response(null, { status: 304, headers: { ETag: etag, Vary: 'Accept-Encoding' } });
    const response = await files(encoding ? new Request(new URL(path + encoding[1], url), request) : request);
    if (!response) {
      const hashed = build?.assets?.[path.slice('/runtime/'.length)];
      return hashed ? new Response(null, { status: 302, headers: { Location: `/runtime/${hashed}${url.search}`, 'Cache-Control': 'no-cache' } }) : null;
    }
    const headers = new Headers(response.headers);
    headers.set('Content-Type', contentTypeOf(path));
    if (encoding) headers.set('Content-Encoding', encoding[0]);
    runtimeCacheHeaders(path, headers, variants.length > 0);
    if (etag) headers.set('ETag', etag);
    return new Response(response.body, { status: response.status, headers });
  };
}
