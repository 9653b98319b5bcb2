import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import type { AssetServer } from '../http/env.js';

/** Serves the built console from a folder; paths that are not files get index.html (the console routes itself). */
export function folderAssets(folder: string): AssetServer {
  const root = relative(process.cwd(), folder) || '.';
  const files = new Hono()
    .use('*', serveStatic({ root }))
    .get('*', serveStatic({ root, path: 'index.html' }));
  return async (request) => {
    if (!existsSync(folder)) return null;
    const response = await files.fetch(request);
    return response.status === 404 ? null : response;
  };
}
