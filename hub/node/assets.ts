import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import type { AssetServer } from '../http/env.js';
import { isRuntimeAssetPath } from '../runtime-assets.js';

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
  const runtimeFiles = folderAssets(runtimeDir, { spa: false });
  return (request) => (isRuntimeAssetPath(new URL(request.url).pathname) ? runtimeFiles(request) : consoleFiles(request));
}
