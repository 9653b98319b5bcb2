import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import type { Digest } from '../../../shared/digest.js';
import { findProjectBlob, recordProjectBlob } from '../../../hub/blobs/access.js';
import { describe, expect, test } from '../../helpers/app.js';

const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
const streamOf = (bytes: Uint8Array) => new Blob([bytes as Uint8Array<ArrayBuffer>]).stream();
const readAll = async (body: ReadableStream<Uint8Array> | null) => new Uint8Array(await new Response(body).arrayBuffer());
const bytesOf = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) % 256);

describe('the fs blob store', () => {
  test('stores bytes under their digest and reads them back whole and by range', async ({ hub }) => {
    const bytes = bytesOf(70_000);
    const digest = digestOf(bytes);
    expect(await hub.blobs.write(digest, streamOf(bytes), { maxBytes: 1 << 20 })).toEqual({ size: 70_000 });
    expect(await hub.blobs.exists(digest)).toBe(true);
    expect(await readAll(await hub.blobs.read(digest))).toEqual(bytes);
    expect(await readAll(await hub.blobs.read(digest, { start: 100, end: 199 }))).toEqual(bytes.subarray(100, 200));
  });

  test('stores nothing when the bytes do not hash to the digest', async ({ hub }) => {
    const claimed = digestOf(bytesOf(10));
    await expect(hub.blobs.write(claimed, streamOf(bytesOf(11)), { maxBytes: 1 << 20 })).rejects.toMatchObject({ status: 422 });
    expect(await hub.blobs.exists(claimed)).toBe(false);
    expect(await hub.blobs.read(claimed)).toBeNull();
    expect(readdirSync(hub.blobs.tmpDir)).toEqual([]);
  });

  test('refuses a body over the limit with 413 and leaves no file', async ({ hub }) => {
    const bytes = bytesOf(2048);
    const digest = digestOf(bytes);
    await expect(hub.blobs.write(digest, streamOf(bytes), { maxBytes: 1024 })).rejects.toMatchObject({ status: 413 });
    expect(existsSync(hub.blobs.pathOf(digest))).toBe(false);
  });
});

describe('project blob access', () => {
  test('lets a project see a blob only once it is recorded for that project', async ({ hub }) => {
    const bytes = bytesOf(64);
    const digest = digestOf(bytes);
    await hub.blobs.write(digest, streamOf(bytes), { maxBytes: 1024 });
    expect(await findProjectBlob(hub.db, hub.project.id, digest)).toBeNull();
    await recordProjectBlob(hub.db, hub.project.id, digest, 64);
    await recordProjectBlob(hub.db, hub.project.id, digest, 64); // idempotent
    expect(await findProjectBlob(hub.db, hub.project.id, digest)).toEqual({ size: 64, deviceVisible: false });
    expect(await findProjectBlob(hub.db, 'prj_someone_else', digest)).toBeNull();
  });

  test('serves an uploaded blob over HTTP with its digest as ETag', async ({ hub }) => {
    const bytes = bytesOf(300);
    const digest = digestOf(bytes);
    const put = await hub.request(`/v1/blobs/${digest}`, { method: 'PUT', body: bytes as Uint8Array<ArrayBuffer>, headers: { 'content-type': 'application/octet-stream' } });
    expect(put.status).toBe(201);
    const got = await hub.request(`/v1/blobs/${digest}`);
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toBe(`"${digest}"`);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
  });
});
