import type { R2Bucket, R2Object, R2ObjectBody } from '@cloudflare/workers-types';
import type { AssetServer } from '../../http/env.js';
import { acceptedEncodings, contentTypeOf, type Encoding, ENCODINGS, isRuntimeAssetPath, runtimeCacheHeaders } from '../runtime-paths.js';

/** Where `npm run worker:runtime` puts the runtime's files in the R2 bucket: onnxruntime's wasm is over the static-asset limit. */
export const RUNTIME_ASSET_PREFIX = 'runtime-assets';

/**
 * The runtime's files from R2 on Workers (DESIGN §10 "Workers specifics"): the build's .br or .gz object when the
 * request accepts it (sent as it is stored: `encodeBody: 'manual'`), cache headers by name, and a logical name
 * redirected to its hashed file, as on Node (hub/platform/node/assets.ts). The Workers runtime shows the Worker
 * `Accept-Encoding: br, gzip` whatever the client sent and re-encodes the response for clients that take neither
 * (measured under wrangler dev), so in practice the .br object is read and a gzip-only client gets it as gzip.
 */
export function r2RuntimeAssets(bucket: R2Bucket): AssetServer {
  return async (request) => {
    const path = new URL(request.url).pathname;
    if (!isRuntimeAssetPath(path)) return null;
    const key = `${RUNTIME_ASSET_PREFIX}${path}`;
    let encoding: Encoding | undefined;
    let object: R2ObjectBody | R2Object | null = null;
    for (const candidate of acceptedEncodings(request.headers.get('Accept-Encoding'))) {
      object = await bucket.get(key + candidate[1]);
      if (object) {
        encoding = candidate;
        break;
      }
    }
    object ??= await bucket.get(key);
    if (!object) return (await redirectToHashed(bucket, path)) ?? notUploaded(path);
    const etag = object.httpEtag;
    // Whether the build compressed this file (a .gz is written whenever a .br is): caches must key on the encoding.
    const compressible = encoding !== undefined || (await bucket.head(`${key}${ENCODINGS[1][1]}`)) !== null;
    const headers = new Headers({ 'Content-Type': contentTypeOf(path), ETag: etag, 'Content-Length': String(object.size) });
    runtimeCacheHeaders(path, headers, compressible);
    if (encoding) headers.set('Content-Encoding', encoding[0]);
    if (request.headers.get('If-None-Match') === etag) return new Response(null, { status: 304, headers: { ETag: etag, 'Cache-Control': headers.get('Cache-Control')! } });
    const body = request.method === 'HEAD' || !('body' in object) ? null : (object.body as unknown as ReadableStream);
    return new Response(body, { headers, encodeBody: encoding ? 'manual' : 'automatic' } as ResponseInit);
  };
}

/** A logical name (`ort/ort.bundle.min.mjs`) → a 302 to the hashed file the uploaded build's stamp names. */
async function redirectToHashed(bucket: R2Bucket, path: string): Promise<Response | null> {
  const stamp = await bucket.get(`${RUNTIME_ASSET_PREFIX}/runtime/build.json`);
  const assets = stamp ? ((await stamp.json()) as { assets?: Record<string, string> }).assets : undefined;
  const hashed = assets?.[path.slice('/runtime/'.length)];
  return hashed ? new Response(null, { status: 302, headers: { Location: `/runtime/${hashed}`, 'Cache-Control': 'no-cache' } }) : null;
}

const notUploaded = (path: string) =>
  Response.json({ error: { code: 'not_found', message: `runtime file ${path} is not in R2: run "npm run worker:runtime" to upload the browser runtime` } }, { status: 404 });
