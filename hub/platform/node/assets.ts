import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import type { AssetServer } from '../../http/env.js';
import { isRuntimeAssetPath } from '../runtime-paths.js';

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
  const runtimeFiles = withBuildEtag(folderAssets(runtimeDir, { spa: false }), join(runtimeDir, 'runtime', 'build.json'));
  return (request) => (isRuntimeAssetPath(new URL(request.url).pathname) ? runtimeFiles(request) : consoleFiles(request));
}

/** Runtime files change only with a new build: the build id plus the path is their ETag, and a match is a 304. */
function withBuildEtag(files: AssetServer, stampPath: string): AssetServer {
  return async (request) => {
    if (!existsSync(stampPath)) return files(request);
    const { build } = JSON.parse(readFileSync(stampPath, 'utf8')) as { build: string };
    const etag = `"${build}-${new URL(request.url).pathname.replace(/[^\w./-]/g, '')}"`;
    if (request.headers.get('If-None-Match') === etag) return new Response(null, { status: 304, headers: { ETag: etag } });
    const response = await files(request);
    if (!response) return null;
    const headers = new Headers(response.headers);
    headers.set('ETag', etag);
    headers.set('Cache-Control', 'no-cache');
    return new Response(response.body, { status: response.status, headers });
  };
}
