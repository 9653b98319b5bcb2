import { beforeAll, describe, expect, it } from 'vitest';
import { call, sendEarlyReply, streamOf, expectError, newProject, type TestProject } from '../../helpers/client.js';

let p: TestProject;
beforeAll(async () => {
  p = await newProject('errors');
});

describe('health, pages and the error shape', () => {
  it('answers /healthz without a key', async () => {
    const r = await call('/healthz');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: true });
  });

  it('serves the console as HTML at / and for console paths', async () => {
    for (const path of ['/', '/keys']) {
      const r = await call(path);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/text\/html/);
      expect(r.text).toContain('<div id="app">');
    }
  });

  it('gives unknown API routes a JSON 404', async () => {
    expectError(await call('/v1/nothing-here', { key: p.keys.admin }), 404, 'not_found');
    expectError(await call('/v1/keys', { key: p.keys.admin, method: 'PATCH', json: {} }), 404, 'not_found');
  });

  it('answers malformed JSON with 400 invalid_json', async () => {
    const r = await call('/v1/keys', { key: p.keys.admin, method: 'POST', body: '{"kind": "secret",', headers: { 'content-type': 'application/json' } });
    expectError(r, 400, 'invalid_json');
  });

  it('answers a JSON route sent another content type with 415', async () => {
    const r = await call('/v1/keys', { key: p.keys.admin, method: 'POST', body: 'kind=secret', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expectError(r, 415, 'unsupported_media_type');
    expect(r.body.error.message).toContain('application/json');
  });

  it('lists every bad field when validation fails', async () => {
    const r = await call('/v1/keys', { key: p.keys.admin, json: { kind: 'secret', name: '', role: 'boss' } });
    expectError(r, 400, 'validation_failed');
    const paths = r.body.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['name', 'role']);
    expect(r.body.error.message).toContain('role');
  });

  it('ignores unknown fields so newer clients keep working', async () => {
    const r = await call('/v1/keys', { key: p.keys.admin, json: { kind: 'secret', name: 'extra', role: 'read', colour: 'blue' } });
    expect(r.status).toBe(201);
    expect(r.body.key).not.toHaveProperty('colour');
  });

  it('refuses a JSON body over OUTPOST_MAX_BODY with 413, whether or not it declares its length', async () => {
    const big = JSON.stringify({ kind: 'secret', role: 'read', name: 'x'.repeat(600 * 1024) });
    const headers = { 'content-type': 'application/json' };
    const declared = await sendEarlyReply('POST', '/v1/keys', { key: p.keys.admin, body: new TextEncoder().encode(big), type: 'application/json' });
    expectError(declared, 413, 'payload_too_large');
    expectError(await call('/v1/keys', { key: p.keys.admin, method: 'POST', body: streamOf(big), headers }), 413, 'payload_too_large');
    const keys = await call('/v1/keys', { key: p.keys.admin });
    expect(keys.body.keys.some((k: { name: string }) => k.name.startsWith('xxxx'))).toBe(false);
  });

  it('publishes an OpenAPI document generated from the routes, and a readable reference', async () => {
    const doc = await call('/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/keys', '/v1/keys/{id}', '/v1/blobs/{digest}', '/v1/projects']));
    expect(doc.body.paths['/v1/keys'].post.requestBody.content['application/json'].schema).toBeTruthy();
    const page = await call('/docs');
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('/v1/blobs/{digest}');
    expect(page.text).toContain('Create a key');
  });
});
