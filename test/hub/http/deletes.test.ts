import { beforeAll, describe, expect, it } from 'vitest';
import { linearModelOnnx } from '../../../hub/registry/onnx/write.js';
import { call, expectError, newProject, sha256Hex, type TestProject } from '../../helpers/client.js';

// Deletes and renames on the native API: what the registry and tracking domains do themselves (MLflow's calls them too).
let p: TestProject;
beforeAll(async () => {
  p = await newProject('deletes');
});

const T0 = 1_699_999_200_000;
const write = (path: string, method: string, json?: unknown) => call(path, { key: p.keys.write, method, ...(json === undefined ? {} : { json }) });

async function modelWithVersions(name: string, versions: number) {
  expect((await write('/v1/models', 'POST', { name, devices: true })).status).toBe(201);
  const bytes = linearModelOnnx({ inputSize: 3, outputSize: 2 }) as Uint8Array<ArrayBuffer>;
  const digest = `sha256:${await sha256Hex(bytes)}`;
  await call(`/v1/blobs/${digest}`, { key: p.keys.write, method: 'PUT', body: bytes });
  for (let i = 0; i < versions; i++) {
    const r = await write(`/v1/models/${name}/versions`, 'POST', { format: 'onnx', files: [{ path: 'model.onnx', digest, size: bytes.byteLength }], description: `v${i + 1}` });
    expect(r.status, r.text).toBe(201);
  }
}

/** One device report per version, so telemetry has a series for each. */
async function reportTelemetry(model: string, versions: number[]) {
  const items = versions.map((version) => ({
    id: crypto.randomUUID(),
    type: 'telemetry',
    model,
    version,
    backend: 'wasm',
    deviceId: 'phone-1',
    periodStart: T0,
    periodEnd: T0 + 60_000,
    count: 1,
    errors: 0,
    latency: { histogram: { '0': 1 }, sumMs: 1, minMs: 1, maxMs: 1 },
  }));
  const r = await call('/v1/sync', { key: p.keys.device, json: { items } });
  expect(r.body.results.map((x: { status: string }) => x.status), r.text).toEqual(versions.map(() => 'applied'));
}
const seriesOf = async (model: string) => {
  const r = await call(`/v1/telemetry?model=${model}&since=${T0}&until=${T0 + 3_600_000}`, { key: p.keys.read });
  expect(r.status, r.text).toBe(200);
  return r.body.series.map((s: { version: number }) => s.version).sort();
};

describe('deletes and renames on the native API', () => {
  it('removes a run tag, and says 404 when the run has no such tag', async () => {
    const exp = (await write('/v1/experiments', 'POST', { name: `tags-${Date.now()}` })).body.experiment;
    const run = (await write('/v1/runs', 'POST', { experimentId: exp.id, tags: { keep: '1', drop: '2' } })).body.run;
    const r = await write(`/v1/runs/${run.id}/tags/drop`, 'DELETE');
    expect(r.status, r.text).toBe(200);
    expect(r.body.run.tags).toEqual({ keep: '1' });
    expectError(await write(`/v1/runs/${run.id}/tags/drop`, 'DELETE'), 404, 'not_found');
    expectError(await write('/v1/runs/nope/tags/keep', 'DELETE'), 404, 'not_found');
    expectError(await call(`/v1/runs/${run.id}/tags/keep`, { key: p.keys.read, method: 'DELETE' }), 403, 'forbidden');
  });

  it('renames a model with PATCH, keeping its versions and aliases, and refuses a name that is taken', async () => {
    await modelWithVersions('before', 1);
    await write('/v1/models/before/aliases/production', 'PUT', { version: 1 });
    await write('/v1/models', 'POST', { name: 'taken' });
    const r = await write('/v1/models/before', 'PATCH', { name: 'after' });
    expect(r.status, r.text).toBe(200);
    expect(r.body.model).toMatchObject({ name: 'after', aliases: { production: 1 }, latestVersion: 1 });
    expectError(await call('/v1/models/before', { key: p.keys.read }), 404, 'not_found');
    expect((await call('/v1/models/after@production/manifest', { key: p.keys.read })).status).toBe(200);
    expectError(await write('/v1/models/after', 'PATCH', { name: 'taken' }), 409, 'conflict');
    expectError(await write('/v1/models/after', 'PATCH', { name: '-bad name' }), 400, 'validation_failed');
  });

  it('deletes a version with its aliases (recorded in the history) and its telemetry, keeping the others', async () => {
    await modelWithVersions('versioned', 2);
    await write('/v1/models/versioned/aliases/production', 'PUT', { version: 1 });
    await reportTelemetry('versioned', [1, 2]);
    expect(await seriesOf('versioned')).toEqual([1, 2]);
    const r = await write('/v1/models/versioned/versions/1', 'DELETE');
    expect(r.status, r.text).toBe(200);
    expectError(await call('/v1/models/versioned/versions/1', { key: p.keys.read }), 404, 'not_found');
    const model = (await call('/v1/models/versioned', { key: p.keys.read })).body.model;
    expect(model).toMatchObject({ aliases: {}, latestVersion: 2 });
    const history = (await call('/v1/models/versioned/history', { key: p.keys.read })).body;
    expect(JSON.stringify(history)).toContain('version 1 was deleted');
    expect(await seriesOf('versioned')).toEqual([2]);
    expectError(await write('/v1/models/versioned/versions/1', 'DELETE'), 404, 'not_found');
  });

  it('deletes a model with its versions and telemetry: a new model of the same name starts empty', async () => {
    await modelWithVersions('doomed', 1);
    await reportTelemetry('doomed', [1]);
    const r = await write('/v1/models/doomed', 'DELETE');
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ deleted: true });
    expectError(await call('/v1/models/doomed', { key: p.keys.read }), 404, 'not_found');
    expectError(await write('/v1/models/doomed', 'DELETE'), 404, 'not_found');
    await write('/v1/models', 'POST', { name: 'doomed' });
    expect((await call('/v1/models/doomed', { key: p.keys.read })).body.model).toMatchObject({ latestVersion: null, aliases: {} });
    expect(await seriesOf('doomed')).toEqual([]);
  });

  it('documents the new routes in /openapi.json', async () => {
    const paths = (await call('/openapi.json')).body.paths;
    expect(paths['/v1/runs/{id}/tags/{key}'].delete).toBeDefined();
    expect(paths['/v1/models/{name}'].delete).toBeDefined();
    expect(paths['/v1/models/{name}/versions/{version}'].delete).toBeDefined();
    expect(paths['/v1/models/{name}'].patch.requestBody.content['application/json'].schema.properties.name).toBeDefined();
  });
});
