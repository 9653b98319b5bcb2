import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { call, expectError, hub, newProject, randomBytes, sendEarlyReply, sha256Hex, streamOf, type TestProject } from '../../helpers/client.js';

let a: TestProject;
let b: TestProject;
beforeAll(async () => {
  [a, b] = await Promise.all([newProject('blobs-a'), newProject('blobs-b')]);
});

const digestOf = async (bytes: Uint8Array<ArrayBuffer>) => `sha256:${await sha256Hex(bytes)}`;
const put = (digest: string, body: BodyInit, key = a.keys.write) => call(`/v1/blobs/${digest}`, { key, method: 'PUT', body, headers: { 'content-type': 'application/octet-stream' } });
const head = (digest: string, key = a.keys.read) => call(`/v1/blobs/${digest}`, { key, method: 'HEAD' });

/** On Node, the blob store's temp folder must hold no partial upload. */
function expectNoPartialFiles() {
  if (!hub.dataDir) return;
  const tmp = join(hub.dataDir, 'blobs', 'tmp');
  expect(existsSync(tmp) ? readdirSync(tmp) : []).toEqual([]);
}

describe('blobs', () => {
  it('stores a blob by digest and serves it back with immutable caching', async () => {
    const bytes = randomBytes(200_000);
    const digest = await digestOf(bytes);
    const r = await put(digest, bytes);
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ digest, size: bytes.length, created: true });

    const h = await head(digest);
    expect(h.status).toBe(200);
    expect(h.headers.get('content-length')).toBe(String(bytes.length));
    expect(h.text).toBe('');

    const res = await fetch(`${hub.url}/v1/blobs/${digest}`, { headers: { authorization: `Bearer ${a.keys.read}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(`"${digest}"`);
    expect(res.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), Buffer.from(bytes))).toBe(0);
  });

  it('accepts a chunked upload with no Content-Length', async () => {
    const bytes = randomBytes(100_000);
    const digest = await digestOf(bytes);
    const r = await put(digest, streamOf(bytes) as unknown as BodyInit);
    if (hub.runtime === 'workerd') {
      // R2 needs the length up front: the hub says so instead of failing late.
      expectError(r, 411, 'length_required');
      expect((await head(digest)).status).toBe(404);
    } else {
      expect(r.status).toBe(201);
      expect((await head(digest)).headers.get('content-length')).toBe('100000');
    }
  });

  it('answers 304 to If-None-Match with the digest', async () => {
    const bytes = randomBytes(1000);
    const digest = await digestOf(bytes);
    await put(digest, bytes);
    const r = await call(`/v1/blobs/${digest}`, { key: a.keys.read, headers: { 'if-none-match': `"${digest}"` } });
    expect(r.status).toBe(304);
    expect(r.text).toBe('');
  });

  it('serves byte ranges with 206 and refuses ranges past the end with 416', async () => {
    const bytes = randomBytes(10_000);
    const digest = await digestOf(bytes);
    await put(digest, bytes);
    const get = (range: string) => fetch(`${hub.url}/v1/blobs/${digest}`, { headers: { authorization: `Bearer ${a.keys.read}`, range } });

    const mid = await get('bytes=100-199');
    expect(mid.status).toBe(206);
    expect(mid.headers.get('content-range')).toBe('bytes 100-199/10000');
    expect(new Uint8Array(await mid.arrayBuffer())).toEqual(bytes.slice(100, 200));

    const open = await get('bytes=9990-');
    expect(open.status).toBe(206);
    expect(new Uint8Array(await open.arrayBuffer())).toEqual(bytes.slice(9990));

    const suffix = await get('bytes=-5');
    expect(suffix.headers.get('content-range')).toBe('bytes 9995-9999/10000');
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(bytes.slice(9995));

    const past = await get('bytes=20000-20010');
    expect(past.status).toBe(416);
    expect((await past.json()).error.code).toBe('range_not_satisfiable');
  });

  it('refuses a body whose digest does not match with 422 and stores nothing', async () => {
    const bytes = randomBytes(50_000);
    const wrong = await digestOf(randomBytes(16));
    const r = await put(wrong, bytes);
    expectError(r, 422, 'digest_mismatch');
    expect(r.body.error.details).toMatchObject({ expected: wrong, actual: await digestOf(bytes) });
    expect((await head(wrong)).status).toBe(404);
    expect((await head(await digestOf(bytes))).status).toBe(404);
    expectNoPartialFiles();
  });

  it('leaves nothing behind when the client disconnects mid-upload', async () => {
    const bytes = randomBytes(400_000);
    const digest = await digestOf(bytes);
    const { hostname, port } = new URL(hub.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          `PUT /v1/blobs/${digest} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${a.keys.write}\r\n` +
            `Content-Type: application/octet-stream\r\nContent-Length: ${bytes.length}\r\n\r\n`,
        );
        socket.write(bytes.subarray(0, 150_000), () => setTimeout(() => socket.destroy(), 300));
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    // The hub notices the dropped connection and cleans up: poll until it has, within a deadline.
    await vi.waitFor(async () => {
      expect((await head(digest)).status).toBe(404);
      expectNoPartialFiles();
    }, { timeout: 5_000, interval: 100 });
    const retry = await put(digest, bytes);
    expect(retry.status).toBe(201);
    expect(retry.body.created).toBe(true);
  });

  it('stays up and leaves nothing behind when many clients drop at different points of their uploads', async () => {
    const uploads = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const bytes = randomBytes(600_000 + i * 50_000);
        return { bytes, digest: await digestOf(bytes), cut: 20_000 + i * 70_000 };
      }),
    );
    const { hostname, port } = new URL(hub.url);
    await Promise.all(
      uploads.map(
        ({ bytes, digest, cut }) =>
          new Promise<void>((resolve) => {
            const socket = connect(Number(port), hostname, () => {
              socket.write(`PUT /v1/blobs/${digest} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${a.keys.write}\r\nContent-Length: ${bytes.length}\r\n\r\n`);
              socket.write(bytes.subarray(0, cut), () => socket.destroy());
            });
            socket.on('close', () => resolve());
            socket.on('error', () => resolve());
          }),
      ),
    );
    await vi.waitFor(async () => {
      expect((await call('/healthz')).status).toBe(200);
      for (const { digest } of uploads) expect((await head(digest)).status).toBe(404);
      expectNoPartialFiles();
    }, { timeout: 5_000, interval: 100 });
  });

  it('treats re-uploading a blob the project has as a no-op', async () => {
    const bytes = randomBytes(2000);
    const digest = await digestOf(bytes);
    expect((await put(digest, bytes)).status).toBe(201);
    const again = await put(digest, bytes);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ digest, size: 2000, created: false });
  });

  it('refuses a blob over OUTPOST_MAX_UPLOAD with 413 and stores nothing', async () => {
    const bytes = randomBytes(4 * 1024 * 1024 + 1);
    const digest = await digestOf(bytes);
    // The hub answers before reading the body, so the reply comes while the client is still sending.
    expectError(await sendEarlyReply('PUT', `/v1/blobs/${digest}`, { key: a.keys.write, body: bytes, type: 'application/octet-stream' }), 413, 'payload_too_large');
    expect((await head(digest)).status).toBe(404);
    expectNoPartialFiles();
  });

  it('names the rule a malformed digest breaks', async () => {
    const r = await put('sha256:XYZ', 'abc');
    expectError(r, 400, 'validation_failed');
    expect(r.body.error.details[0]).toMatchObject({ path: 'digest' });
    expect(r.body.error.message).toContain('64 lowercase hex');
  });

  it("keeps projects' blobs apart: another project gets 404 until it uploads the same bytes", async () => {
    const bytes = randomBytes(3000);
    const digest = await digestOf(bytes);
    await put(digest, bytes);
    expect((await head(digest, b.keys.read)).status).toBe(404);
    expectError(await call(`/v1/blobs/${digest}`, { key: b.keys.read }), 404, 'not_found');
    // Knowing the digest is not enough: a wrong body does not grant access.
    expectError(await put(digest, randomBytes(3000), b.keys.write), 422, 'digest_mismatch');
    expect((await head(digest, b.keys.read)).status).toBe(404);
    // Its first upload of the bytes reads as any first upload: nothing tells it another project had them.
    const proven = await put(digest, bytes, b.keys.write);
    expect(proven.status).toBe(201);
    expect(proven.body.created).toBe(true);
    expect((await head(digest, b.keys.read)).status).toBe(200);
  });

  it('lets publishable keys read no blob that no device-exposed model references, and write none', async () => {
    const bytes = randomBytes(500);
    const digest = await digestOf(bytes);
    await put(digest, bytes);
    expectError(await call(`/v1/blobs/${digest}`, { key: a.keys.device }), 404, 'not_found');
    expectError(await put(digest, bytes, a.keys.device), 403, 'forbidden');
  });
});
