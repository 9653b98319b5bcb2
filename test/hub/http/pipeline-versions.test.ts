import { describe, expect } from 'vitest';
import { call, expectError, hub, sha256Hex, type TestProject } from '../../helpers/client.js';
import { test as it } from '../../helpers/fixtures.js';

const step = (over: Record<string, unknown> = {}) => ({ needs: [], retries: { count: 0, backoffMs: 0, capMs: 0 }, ...over });

async function register(p: TestProject, spec: Record<string, unknown>, code: string) {
  const bytes = new TextEncoder().encode(code);
  const codeDigest = `sha256:${await sha256Hex(bytes)}`;
  expect((await call(`/v1/blobs/${codeDigest}`, { key: p.keys.write, method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } })).status).toBeLessThan(300);
  const reply = await call('/v1/pipelines', { key: p.keys.write, json: { codeDigest, spec } });
  expect(reply.status, reply.text).toBeLessThan(300);
  return reply.body.version as { version: number; codeDigest: string };
}

describe(`pipeline versions (${hub.runtime})`, () => {
  it('lists every version of a pipeline newest first, with its code digest and DAG, and 404s an unknown pipeline', async ({ project: p }) => {
    const one = await register(p, { name: 'vers', steps: { a: step() } }, 'code one');
    await register(p, { name: 'vers', steps: { a: step() } }, 'code one');
    const two = await register(p, { name: 'vers', steps: { a: step(), b: step({ needs: ['a'] }) } }, 'code two');
    await register(p, { name: 'other', steps: { x: step() } }, 'code three');

    const listed = await call('/v1/pipelines/vers/versions', { key: p.keys.read });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.versions.map((v: { ref: string }) => v.ref)).toEqual(['vers/2', 'vers/1']);
    expect(listed.body.versions[0]).toMatchObject({ version: 2, codeDigest: two.codeDigest, spec: { steps: { b: { needs: ['a'] } } } });
    expect(listed.body.versions[1]).toMatchObject({ version: 1, codeDigest: one.codeDigest });
    expect(typeof listed.body.versions[1].createdAt).toBe('number');

    expectError(await call('/v1/pipelines/ghost/versions', { key: p.keys.read }), 404, 'not_found');
  });
});
