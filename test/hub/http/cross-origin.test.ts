import { beforeAll, describe, expect, it } from 'vitest';
import { linearModelOnnx } from '../../../hub/registry/onnx/write.js';
import { call, expectError, newProject, sha256Hex, type TestProject } from '../../helpers/client.js';

let p: TestProject;
let digest: string;
let shopKey: string;
beforeAll(async () => {
  p = await newProject('cross-origin');
  const bytes = linearModelOnnx({ inputSize: 2, outputSize: 2 }) as Uint8Array<ArrayBuffer>;
  digest = `sha256:${await sha256Hex(bytes)}`;
  await call(`/v1/blobs/${digest}`, { key: p.keys.write, method: 'PUT', body: bytes });
  await call('/v1/models', { key: p.keys.write, json: { name: 'edge', devices: true } });
  await call('/v1/models/edge/versions', { key: p.keys.write, json: { format: 'onnx', files: [{ path: 'model.onnx', digest, size: bytes.byteLength }] } });
  await call('/v1/models/edge/aliases/production', { key: p.keys.write, method: 'PUT', json: { version: 1 } });
  shopKey = (await call('/v1/keys', { key: p.keys.admin, json: { kind: 'publishable', name: 'shop', allowedOrigins: ['https://shop.example', 'http://localhost:5173'] } })).body.secret;
});

const PAGE = 'https://shop.example';
const preflight = (path: string, origin = 'https://anywhere.example') =>
  call(path, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });

describe('CORS for the runtime on other origins', () => {
  it('answers preflights on runtime files, manifests, blobs and sync for any origin', async () => {
    for (const path of ['/runtime.js', '/runtime/ort/ort-wasm.wasm', '/runtime-sw.js', '/v1/models/edge@production/manifest', '/v1/models/edge/versions/1/manifest', `/v1/blobs/${digest}`, '/v1/sync']) {
      const r = await preflight(path);
      expect(r.status, path).toBe(204);
      expect(r.headers.get('access-control-allow-origin')).toBe('https://anywhere.example');
      expect(r.headers.get('access-control-allow-methods')).toBe('GET,HEAD,PUT,POST');
      const allowed = r.headers.get('access-control-allow-headers')!.toLowerCase().split(',');
      expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'if-none-match', 'idempotency-key', 'range']));
      expect(r.headers.get('vary')).toMatch(/origin/i);
    }
  });

  it('echoes the origin on manifests and blobs, exposes ETag and ranges, and lets isolated pages load blobs', async () => {
    const manifest = await call('/v1/models/edge@production/manifest', { key: p.keys.device, headers: { origin: PAGE } });
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(manifest.headers.get('vary')).toMatch(/origin/i);
    expect(manifest.headers.get('access-control-expose-headers')!.split(',')).toEqual(expect.arrayContaining(['ETag', 'Content-Length', 'Content-Range']));

    const blob = await call(`/v1/blobs/${digest}`, { key: p.keys.device, headers: { origin: PAGE, range: 'bytes=0-9' } });
    expect(blob.status).toBe(206);
    expect(blob.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(blob.headers.get('cross-origin-resource-policy')).toBe('cross-origin');

    const synced = await call('/v1/sync', { key: p.keys.device, headers: { origin: PAGE }, json: { items: [{ id: crypto.randomUUID(), type: 'run.create', runId: crypto.randomUUID(), startTime: 1 }] } });
    expect(synced.status).toBe(200);
    expect(synced.headers.get('access-control-allow-origin')).toBe(PAGE);
  });

  it('answers preflights on the runner protocol (op.runner), and a publishable key still cannot lease steps', async () => {
    for (const path of ['/v1/pipeline-leases', '/v1/pipeline-attempts/pa_1/heartbeat', '/v1/pipeline-attempts/pa_1/complete', '/v1/pipeline-attempts/pa_1/release', '/v1/pipeline-attempts/pa_1/logs']) {
      const r = await preflight(path);
      expect(r.status, path).toBe(204);
      expect(r.headers.get('access-control-allow-origin')).toBe('https://anywhere.example');
    }
    const lease = { runner: 'browser:test', labels: ['browser'], leaseMs: 1000 };
    const bySecret = await call('/v1/pipeline-leases', { key: p.keys.write, headers: { origin: PAGE }, json: lease });
    expect(bySecret.status).toBe(200);
    expect(bySecret.body).toEqual({ lease: null });
    expect(bySecret.headers.get('access-control-allow-origin')).toBe(PAGE);
    expectError(await call('/v1/pipeline-leases', { key: p.keys.device, headers: { origin: PAGE }, json: lease }), 403, 'forbidden');
    expect((await call('/v1/pipelines', { key: p.keys.read, headers: { origin: PAGE } })).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sends no CORS headers on the rest of the API', async () => {
    const r = await call('/v1/project', { key: p.keys.read, headers: { origin: PAGE } });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('allowed origins of publishable keys', () => {
  it('refuses a page whose origin the key does not name, with a readable 403', async () => {
    const r = await call('/v1/models/edge@production/manifest', { key: shopKey, headers: { origin: 'https://evil.example' } });
    expectError(r, 403, 'origin_not_allowed');
    expect(r.body.error.message).toBe('origin https://evil.example is not allowed for this key (allowed: https://shop.example, http://localhost:5173)');
    // The page can read why: the refusal carries CORS headers too.
    expect(r.headers.get('access-control-allow-origin')).toBe('https://evil.example');
    const blob = await call(`/v1/blobs/${digest}`, { key: shopKey, headers: { origin: 'https://shop.example.evil.example' } });
    expectError(blob, 403, 'origin_not_allowed');
  });

  it('accepts the named origins, requests without Origin, keys without a list, and secret keys from anywhere', async () => {
    const manifest = (key: string, origin?: string) => call('/v1/models/edge@production/manifest', { key, headers: origin ? { origin } : {} });
    expect((await manifest(shopKey, PAGE)).status).toBe(200);
    expect((await manifest(shopKey, 'http://localhost:5173')).status).toBe(200);
    expect((await manifest(shopKey)).status).toBe(200);
    expect((await manifest(p.keys.device, 'https://evil.example')).status).toBe(200);
    expect((await manifest(p.keys.read, 'https://evil.example')).status).toBe(200);
  });
});

describe("the hub's own pages", () => {
  it('are cross-origin isolated: the console and the API reference', async () => {
    for (const path of ['/', '/docs']) {
      const r = await call(path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/text\/html/);
      expect(r.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(r.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    }
  });

  it("serves the console's own scripts and styles from its origin, so require-corp lets them load", async () => {
    const html = (await call('/')).text;
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((u) => !u.startsWith('data:'));
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset.startsWith('/'), asset).toBe(true);
      expect((await call(asset)).status, asset).toBe(200);
    }
  });
});
