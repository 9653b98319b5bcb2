import { createHash } from 'node:crypto';
import type { Digest } from '../../../shared/digest.js';
import { collectBlobs } from '../../../hub/blobs/gc.js';
import { describe, expect, test } from '../../helpers/app.js';

const put = async (hub: { request: (path: string, init?: RequestInit) => Promise<Response> }, text: string) => {
  const bytes = new TextEncoder().encode(text);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
  expect((await hub.request(`/v1/blobs/${digest}`, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } })).status).toBe(201);
  return { digest, size: bytes.byteLength };
};
const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('dataset files and gc', () => {
  test("gc keeps the blobs of versions and of open drafts, and takes what nothing names", async ({ hub }) => {
    const [inVersion, inDraft, loose] = [await put(hub, 'in a version'), await put(hub, 'in a draft'), await put(hub, 'named by nothing')];
    expect((await hub.request('/v1/datasets/kept/versions', json('POST', { files: [{ path: 'a.txt', ...inVersion }] }))).status).toBe(201);
    expect((await hub.request('/v1/datasets/kept/drafts/draft-0001', json('PUT', {}))).status).toBe(200);
    expect((await hub.request('/v1/datasets/kept/drafts/draft-0001/files', json('POST', { files: [{ path: 'b.txt', ...inDraft }] }))).status).toBe(200);
    const gc = await collectBlobs(hub.db, hub.blobs, { graceMs: 0, now: Date.now() + 60_000, dryRun: true });
    const doomed = gc.blobs.map((b) => b.digest);
    expect(doomed).toContain(loose.digest);
    expect(doomed).not.toContain(inVersion.digest);
    expect(doomed).not.toContain(inDraft.digest);
  });
});
