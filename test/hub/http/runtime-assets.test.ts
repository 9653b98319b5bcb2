import { type IncomingHttpHeaders, request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { hub } from '../../helpers/client.js';

describe('runtime files', () => {
  it('serves the script-tag build at /runtime.js with CORS and a cross-origin resource policy', async () => {
    const res = await fetch(`${hub.url}/runtime.js`, { headers: { Origin: 'https://shop.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(await res.text()).toContain('Outpost');
  });

  it('serves the build stamp under /runtime/ and answers 304 to its ETag', async () => {
    const res = await fetch(`${hub.url}/runtime/build.json`);
    expect(res.status).toBe(200);
    expect((await res.json()).build).toMatch(/^[0-9a-f]{16}$/);
    const etag = res.headers.get('etag');
    expect(etag).toBeTruthy();
    expect((await fetch(`${hub.url}/runtime/build.json`, { headers: { 'If-None-Match': etag! } })).status).toBe(304);
  });

  it('says how to get a runtime file it does not have, instead of answering with the console', async () => {
    const res = await fetch(`${hub.url}/runtime/no-such-file.js`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).not.toMatch(/html/);
  });

  const hashedOf = async (logical: string) => {
    const { assets } = (await (await fetch(`${hub.url}/runtime/build.json`)).json()) as { assets: Record<string, string> };
    expect(assets[logical], `build.json names ${logical}`).toMatch(/\.[0-9a-f]{12}\.\w+$/);
    return `/runtime/${assets[logical]}`;
  };

  /** A GET as it comes off the wire: Node's fetch would decode the body and hide its size. */
  const wire = (path: string, acceptEncoding: string) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const url = new URL(path, hub.url);
      const req = request(url, { headers: { 'Accept-Encoding': acceptEncoding } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject).end();
    });
  const decode = (body: Buffer, encoding: string | undefined) => (encoding === 'br' ? brotliDecompressSync(body) : encoding === 'gzip' ? gunzipSync(body) : body);

  it('sends a compressed copy as Accept-Encoding allows, the same bytes once decoded, and says Vary', async () => {
    const path = await hashedOf('ort/ort.wasm.bundle.min.mjs');
    const plain = await wire(path, 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toMatch(/accept-encoding/i);
    expect(plain.body.length).toBeGreaterThan(50_000);
    // Workers re-encodes for the client itself (hub/platform/workers/runtime-assets.ts): with both offered, workerd picks gzip.
    for (const [accept, encoding] of [
      ['gzip, deflate, br', hub.runtime === 'workerd' ? 'gzip' : 'br'],
      ['br', 'br'],
      ['gzip', 'gzip'],
      ['br;q=0, gzip;q=0.5', 'gzip'],
      // workerd answers `*` uncompressed; Node takes it for both.
      ...(hub.runtime === 'workerd' ? [] : ([['*', 'br']] as const)),
    ] as const) {
      const res = await wire(path, accept);
      expect(res.status, accept).toBe(200);
      expect(res.headers['content-encoding'], accept).toBe(encoding);
      expect(res.headers['content-type'], accept).toMatch(/^text\/javascript/);
      expect(Buffer.compare(decode(res.body, encoding), plain.body), accept).toBe(0);
      expect(res.body.length, accept).toBeLessThan(plain.body.length * 0.5);
    }
  });

  it('serves hashed files as immutable and entry points as revalidated, and redirects a logical name to its hashed file', async () => {
    const path = await hashedOf('ort/ort.wasm.bundle.min.mjs');
    expect((await fetch(`${hub.url}${path}`)).headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    for (const entry of ['/runtime.js', '/runtime/build.json']) expect((await fetch(`${hub.url}${entry}`)).headers.get('cache-control'), entry).toBe('no-cache');
    const moved = await fetch(`${hub.url}/runtime/ort/ort.wasm.bundle.min.mjs`, { redirect: 'manual' });
    expect(moved.status).toBe(302);
    expect(new URL(moved.headers.get('location')!, hub.url).pathname).toBe(path);
    expect(moved.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers 304 to an entry point’s ETag for the same encoding', async () => {
    const br = await fetch(`${hub.url}/runtime.js`, { headers: { 'Accept-Encoding': 'br' } });
    expect(br.headers.get('etag')).toBeTruthy();
    expect((await fetch(`${hub.url}/runtime.js`, { headers: { 'Accept-Encoding': 'br', 'If-None-Match': br.headers.get('etag')! } })).status).toBe(304);
  });
});
