import type { R2Bucket } from '@cloudflare/workers-types';
import type { AssetServer } from '../../http/env.js';
import { isRuntimeAssetPath } from '../runtime-paths.js';

/** Where `npm run worker:runtime` puts the runtime's files in the R2 bucket: onnxruntime's wasm is over the static-asset limit. */
export const RUNTIME_ASSET_PREFIX = 'runtime-assets';

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  wasm: 'application/wasm',
  json: 'application/json',
  map: 'application/json',
};
export const contentTypeOf = (path: string) => TYPES[path.slice(path.lastIndexOf('.') + 1)] ?? 'application/octet-stream';

/** The runtime's files from R2 on Workers (DESIGN §10 "Workers specifics"). */
export function r2RuntimeAssets(bucket: R2Bucket): AssetServer {
  return async (request) => {
    const path = new URL(request.url).pathname;
    if (!isRuntimeAssetPath(path)) return null;
    const object = await bucket.get(`${RUNTIME_ASSET_PREFIX}${path}`);
    if (!object) {
      return Response.json(
        { error: { code: 'not_found', message: `runtime file ${path} is not in R2: run "npm run worker:runtime" to upload the browser runtime` } },
        { status: 404 },
      );
    }
    const etag = object.httpEtag;
    if (request.headers.get('If-None-Match') === etag) return new Response(null, { status: 304, headers: { ETag: etag } });
    const headers = { 'Content-Type': contentTypeOf(path), ETag: etag, 'Cache-Control': 'no-cache', 'Content-Length': String(object.size) };
    return new Response(request.method === 'HEAD' ? null : (object.body as unknown as ReadableStream), { headers });
  };
}
