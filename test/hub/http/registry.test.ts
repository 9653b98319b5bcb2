import { describe, expect } from 'vitest';
import { linearModelOnnx, multiInputModelOnnx } from '../../../hub/registry/onnx/write.js';
import { tfjsModelFiles } from '../../../hub/demo/tfjs-model.js';
import { call, expectError, hub, newProject, sha256Hex, type TestProject } from '../../helpers/client.js';
import { test as it } from '../../helpers/fixtures.js';

/** Uploads files as blobs and returns the manifest entries. */
async function upload(p: TestProject, files: Record<string, Uint8Array<ArrayBuffer>>, key = p.keys.write) {
  const entries = [];
  for (const [path, bytes] of Object.entries(files)) {
    const digest = `sha256:${await sha256Hex(bytes)}`;
    const put = await call(`/v1/blobs/${digest}`, { key, method: 'PUT', body: bytes });
    if (put.status >= 300) throw new Error(put.text);
    entries.push({ path, digest, size: bytes.byteLength });
  }
  return entries;
}

const newModel = async (p: TestProject, name: string) => (await call('/v1/models', { key: p.keys.write, json: { name } })).body.model;
const register = (p: TestProject, name: string, json: unknown) => call(`/v1/models/${name}/versions`, { key: p.keys.write, json });
const promote = (p: TestProject, name: string, alias: string, version: number, reason?: string) => call(`/v1/models/${name}/aliases/${alias}`, { key: p.keys.write, method: 'PUT', json: { version, reason } });

describe('model registry', () => {
  it('numbers versions and reads the signature from the ONNX graph: several inputs, a free batch dimension, int64 and float32', async ({ project: p }) => {
    await newModel(p, 'multi');
    const files = await upload(p, { 'model.onnx': multiInputModelOnnx() as Uint8Array<ArrayBuffer> });
    const r = await register(p, 'multi', { format: 'onnx', files, metrics: { acc: 0.91 } });
    expect(r.status).toBe(201);
    expect(r.body.version).toMatchObject({ model: 'multi', version: 1, format: 'onnx', metrics: { acc: 0.91 }, files });
    const inputs = r.body.version.signature.inputs;
    expect(inputs.map((i: { name: string }) => i.name)).toEqual(['features', 'ids']); // the initializer-backed input is not one
    expect(inputs[0]).toEqual({ name: 'features', dtype: 'float32', shape: ['batch', 4] });
    expect(inputs[1]).toEqual({ name: 'ids', dtype: 'int64', shape: ['batch', 3] });
    expect(r.body.version.signature.outputs[0].dtype).toBe('float32');
    const second = await register(p, 'multi', { format: 'onnx', files });
    expect(second.body.version.version).toBe(2);
  });

  it('lists every file of a tfjs model and reads its signature from model.json', async ({ project: p }) => {
    await newModel(p, 'tfjs-clf');
    const files = await upload(p, tfjsModelFiles());
    const r = await register(p, 'tfjs-clf', { format: 'tfjs-layers', files });
    expect(r.status).toBe(201);
    expect(r.body.version.files.map((f: { path: string }) => f.path)).toEqual(['model.json', 'group1-shard1of2.bin', 'group1-shard2of2.bin']);
    expect(r.body.version.signature).toEqual({
      inputs: [{ name: 'dense_1_input', dtype: 'float32', shape: [-1, 4] }],
      outputs: [{ name: 'dense_2', dtype: 'float32', shape: [-1, 3] }],
    });
  });

  it('refuses a version whose blobs are not uploaded with 409 naming the missing digests, and stores nothing', async ({ project: p }) => {
    await newModel(p, 'partial');
    const [uploaded] = await upload(p, { 'model.onnx': linearModelOnnx({ inputSize: 4, outputSize: 2 }) as Uint8Array<ArrayBuffer> });
    const absent = { path: 'extra.bin', digest: `sha256:${'e'.repeat(64)}`, size: 3 };
    const r = await register(p, 'partial', { format: 'onnx', files: [uploaded, absent] });
    expectError(r, 409, 'conflict');
    expect(r.body.error.details.missing).toEqual([absent.digest]);
    expect((await call('/v1/models/partial/versions', { key: p.keys.read })).body.versions).toEqual([]);
    // Another project's upload does not count.
    const other = await newProject('registry-other');
    const theirs = await upload(other, { 'x.bin': new Uint8Array([1, 2, 3]) });
    expectError(await register(p, 'partial', { format: 'onnx', files: [uploaded, theirs[0]] }), 409, 'conflict');
  });

  it('refuses a PUT that would change a version\'s files, and the files stay as they were', async ({ project: p }) => {
    const files = await upload(p, { 'model.onnx': linearModelOnnx({ inputSize: 3, outputSize: 1 }) as Uint8Array<ArrayBuffer> });
    await newModel(p, 'fixed');
    await register(p, 'fixed', { format: 'onnx', files });
    expect([404, 405]).toContain((await call('/v1/models/fixed/versions/1', { key: p.keys.write, method: 'PUT', json: { files: [] } })).status);
    expect((await call('/v1/models/fixed/versions/1', { key: p.keys.read })).body.version.files).toEqual(files);
  });

  it('says what is wrong with a model that has no readable signature', async ({ project: p }) => {
    await newModel(p, 'garbage');
    const files = await upload(p, { 'model.onnx': new TextEncoder().encode('this is not onnx') as Uint8Array<ArrayBuffer> });
    const r = await register(p, 'garbage', { format: 'onnx', files });
    expectError(r, 400, 'bad_request');
    expect(r.body.error.message).toContain("cannot read the model's signature");
  });
});

/** A project of the test's own holding `digits` with three versions and no aliases. */
const withDigits = it.extend<{ p: TestProject }>({
  p: async ({ project: p }, use) => {
    await newModel(p, 'digits');
    const files = await upload(p, { 'model.onnx': linearModelOnnx({ inputSize: 64, outputSize: 10 }) as Uint8Array<ArrayBuffer> });
    for (let i = 0; i < 3; i++) expect((await register(p, 'digits', { format: 'onnx', files, description: `v${i + 1}` })).status).toBe(201);
    await use(p);
  },
});

describe('aliases and refs', () => {
  withDigits('refuses reserved and malformed alias names', async ({ p }) => {
    for (const alias of ['latest', 'v3', 'V12', 'has space', 'a'.repeat(256)]) {
      const r = await promote(p, 'digits', encodeURIComponent(alias), 1);
      expectError(r, 400, 'validation_failed');
    }
    expect((await promote(p, 'digits', 'champion', 1)).status).toBe(200);
  });

  withDigits('records every alias move and rolls back in one call', async ({ p }) => {
    expect((await promote(p, 'digits', 'production', 1, 'first release')).body).toMatchObject({ from: null, to: 1, moved: true });
    expect((await promote(p, 'digits', 'production', 2, 'better accuracy')).body).toMatchObject({ from: 1, to: 2 });
    expect((await promote(p, 'digits', 'production', 2)).body.moved).toBe(false);
    const rolled = await call('/v1/models/digits/aliases/production/rollback', { key: p.keys.write, json: { reason: 'regression on devices' } });
    expect(rolled.body).toMatchObject({ from: 2, to: 1, moved: true });
    const history = (await call('/v1/models/digits/history?alias=production', { key: p.keys.read })).body.events;
    expect(history.map((e: { from: number | null; to: number; reason: string }) => [e.from, e.to, e.reason])).toEqual([
      [2, 1, 'regression on devices'],
      [1, 2, 'better accuracy'],
      [null, 1, 'first release'],
    ]);
    expect(history[0].actor).toEqual({ type: 'key', id: p.keyIds.write, name: 'writer' });
    expect(history[0].at).toEqual(expect.any(Number));
  });

  withDigits('refuses to roll back an alias with no earlier version with 409', async ({ p }) => {
    await promote(p, 'digits', 'staging', 3);
    const r = await call('/v1/models/digits/aliases/staging/rollback', { key: p.keys.write, method: 'POST' });
    expectError(r, 409, 'conflict');
    expect(r.body.error.message).toContain('no earlier version');
  });

  withDigits('resolves name@alias, name/version and name, and lists the aliases when one is unknown', async ({ p }) => {
    for (const [alias, version] of [['staging', 3], ['production', 1], ['champion', 2]] as const) expect((await promote(p, 'digits', alias, version)).status).toBe(200);
    expect((await call('/v1/models/digits@staging/manifest', { key: p.keys.read })).body.version).toBe(3);
    expect((await call('/v1/models/digits/versions/2/manifest', { key: p.keys.read })).body.version).toBe(2);
    expect((await call('/v1/models/digits/manifest', { key: p.keys.read })).body.version).toBe(1);
    const unknown = await call('/v1/models/digits@prod/manifest', { key: p.keys.read });
    expectError(unknown, 404, 'not_found');
    expect(unknown.body.error.message).toBe('model "digits" has no alias "prod" (aliases: champion, production, staging)');
    await newModel(p, 'bare');
    const bare = await call('/v1/models/bare/manifest', { key: p.keys.read });
    expect(bare.body.error.message).toBe('model "bare" has no alias "production" (it has no aliases yet)');
  });

  it('refuses a malformed ref with a 400 that names it and says what is wrong', async ({ project: p }) => {
    const refused: [string, string][] = [
      ['digits@', 'the alias is empty'],
      ['digits@latest', 'the alias "latest" is reserved'],
      ['-digits', 'the name "-digits" must start with a letter or digit'],
    ];
    for (const [ref, why] of refused) {
      const r = await call(`/v1/models/${encodeURIComponent(ref)}/manifest`, { key: p.keys.read });
      expectError(r, 400, 'bad_request');
      expect(r.body.error.message).toContain(`"${ref}" is not a model ref: use name@alias, name/<version> or name (${why}`);
    }
  });

  withDigits('serves a manifest with an ETag and answers 304 until the alias moves', async ({ p }) => {
    expect((await promote(p, 'digits', 'champion', 1)).status).toBe(200);
    const first = await call('/v1/models/digits@champion/manifest', { key: p.keys.read });
    expect(first.body).toMatchObject({ model: 'digits', version: 1, format: 'onnx' });
    expect(first.body.files[0]).toMatchObject({ path: 'model.onnx', digest: expect.stringMatching(/^sha256:/) });
    const etag = first.headers.get('etag')!;
    expect(etag).toBe(first.body.etag);
    expect((await call('/v1/models/digits@champion/manifest', { key: p.keys.read, headers: { 'if-none-match': etag } })).status).toBe(304);
    await promote(p, 'digits', 'champion', 3);
    const moved = await call('/v1/models/digits@champion/manifest', { key: p.keys.read, headers: { 'if-none-match': etag } });
    expect(moved.status).toBe(200);
    expect(moved.body.version).toBe(3);
  });
});

describe('device exposure', () => {
  it('lets a publishable key read a model and its files only once the model is exposed to devices', async ({ project: p }) => {
    await newModel(p, 'edge');
    const files = await upload(p, { 'model.onnx': linearModelOnnx({ inputSize: 2, outputSize: 2 }) as Uint8Array<ArrayBuffer> });
    await register(p, 'edge', { format: 'onnx', files });
    await promote(p, 'edge', 'production', 1);
    expectError(await call('/v1/models/edge@production/manifest', { key: p.keys.device }), 404, 'not_found');
    expectError(await call(`/v1/blobs/${files[0]!.digest}`, { key: p.keys.device }), 404, 'not_found');

    expect((await call('/v1/models/edge', { key: p.keys.write, method: 'PATCH', json: { devices: true } })).body.model.devices).toBe(true);
    const manifest = await call('/v1/models/edge@production/manifest', { key: p.keys.device });
    expect(manifest.status).toBe(200);
    const blob = await fetch(`${hub.url}/v1/blobs/${files[0]!.digest}`, { headers: { authorization: `Bearer ${p.keys.device}` } });
    expect(blob.status).toBe(200);
    expect((await blob.arrayBuffer()).byteLength).toBe(files[0]!.size);
    // Another project's publishable key still sees nothing.
    const other = await newProject('registry-other');
    expectError(await call('/v1/models/edge@production/manifest', { key: other.keys.device }), 404, 'not_found');
    // Publishable keys cannot change the registry.
    expectError(await call('/v1/models', { key: p.keys.device, json: { name: 'nope' } }), 403, 'forbidden');
    // Withdrawn from devices: the manifest and the files are gone for publishable keys at once.
    await call('/v1/models/edge', { key: p.keys.write, method: 'PATCH', json: { devices: false } });
    expectError(await call('/v1/models/edge@production/manifest', { key: p.keys.device }), 404, 'not_found');
    expectError(await call(`/v1/blobs/${files[0]!.digest}`, { key: p.keys.device }), 404, 'not_found');
  });
});

describe('a real model exported by PyTorch', () => {
  it('registers Silero VAD (shipped in @ricky0123/vad-web) with its signature read from the graph, and delivers it', async ({ project: p }) => {
    const { readFileSync } = await import('node:fs');
    const { createRequire } = await import('node:module');
    const path = createRequire(import.meta.url).resolve('@ricky0123/vad-web/dist/silero_vad_legacy.onnx');
    const bytes = new Uint8Array(readFileSync(path));
    await newModel(p, 'silero-vad');
    const files = await upload(p, { 'silero_vad.onnx': bytes });
    const r = await register(p, 'silero-vad', { format: 'onnx', files });
    expect(r.status).toBe(201);
    expect(r.body.version.signature).toEqual({
      inputs: [
        { name: 'input', dtype: 'float32', shape: ['batch', 'sequence'] },
        { name: 'sr', dtype: 'int64', shape: [] },
        { name: 'h', dtype: 'float32', shape: [2, 'batch', 64] },
        { name: 'c', dtype: 'float32', shape: [2, 'batch', 64] },
      ],
      outputs: [
        { name: 'output', dtype: 'float32', shape: ['batch', 1] },
        { name: 'hn', dtype: 'float32', shape: [2, 'batch', 64] },
        { name: 'cn', dtype: 'float32', shape: [2, 'batch', 64] },
      ],
    });
    await promote(p, 'silero-vad', 'production', 1);
    const manifest = await call('/v1/models/silero-vad/manifest', { key: p.keys.read });
    const blob = await fetch(`${hub.url}/v1/blobs/${manifest.body.files[0].digest}`, { headers: { authorization: `Bearer ${p.keys.read}` } });
    // Buffer.equals, not toEqual: a deep comparison of 2 MB element by element blocks this worker for seconds, long enough
    // for the hub to close the pool's idle keep-alive sockets under the next test's first request.
    expect(Buffer.from(await blob.arrayBuffer()).equals(bytes)).toBe(true);
  });
});
