import { beforeAll, describe, expect, it } from 'vitest';
import { linearModelOnnx } from '../../../hub/registry/onnx/write.js';
import { call, hub, newProject, sha256Hex, type Reply, type TestProject } from '../../helpers/client.js';

// MLflow's Model Registry REST API as its Python client speaks it: GET parameters in the query string, POST and
// PATCH bodies as JSON, DELETE bodies as JSON too.
let p: TestProject;
beforeAll(async () => {
  p = await newProject('mlflow-registry');
});

const url = (endpoint: string, prefix = 'api') => `/${prefix}/2.0/mlflow/${endpoint}`;
const post = (endpoint: string, json: unknown, key = p.keys.write) => call(url(endpoint), { key, json });
const patch = (endpoint: string, json: unknown) => call(url(endpoint), { key: p.keys.write, method: 'PATCH', json });
const del = (endpoint: string, json: unknown) => call(url(endpoint), { key: p.keys.write, method: 'DELETE', json });
const get = (endpoint: string, query: Record<string, string>, key = p.keys.read, prefix = 'api') => call(`${url(endpoint, prefix)}?${new URLSearchParams(query)}`, { key });

function expectMlflowError(r: Reply, status: number, code: string, message?: string | RegExp) {
  expect({ status: r.status, body: Object.keys(r.body ?? {}).sort() }, r.text).toEqual({ status, body: ['error_code', 'message'] });
  expect(r.body.error_code).toBe(code);
  if (message) expect(r.body.message).toMatch(message);
}
function ok(r: Reply) {
  expect(r.status, r.text).toBe(200);
  return r.body;
}

/** A run of the Default experiment holding a real ONNX model (plus MLflow's MLmodel file) under `model/`. */
async function runWithModel(inputSize = 4) {
  const run = ok(await post('runs/create', { experiment_id: '0', start_time: Date.now() })).run.info;
  const files = { 'model/model.onnx': linearModelOnnx({ inputSize, outputSize: 2 }), 'model/MLmodel': new TextEncoder().encode('flavors: {onnx: {}}\n') };
  for (const [path, bytes] of Object.entries(files)) {
    const digest = `sha256:${await sha256Hex(bytes as Uint8Array<ArrayBuffer>)}`;
    const put = await call(`/v1/blobs/${digest}`, { key: p.keys.write, method: 'PUT', body: bytes as Uint8Array<ArrayBuffer> });
    expect(put.status, put.text).toBeLessThan(300);
    expect((await call(`/v1/runs/${run.run_id}/artifacts`, { key: p.keys.write, method: 'PUT', json: { path, digest } })).status).toBe(200);
  }
  return run as { run_id: string; artifact_uri: string };
}

async function modelWithVersions(name: string, versions = 1) {
  ok(await post('registered-models/create', { name }));
  const run = await runWithModel();
  for (let i = 0; i < versions; i++) ok(await post('model-versions/create', { name, source: `runs:/${run.run_id}/model`, run_id: run.run_id }));
  return run;
}

describe(`MLflow model registry API on ${hub.runtime}`, () => {
  it('registers a version from a run\'s artifacts, as mlflow.register_model("runs:/<id>/model", name) does', async () => {
    const created = ok(await post('registered-models/create', { name: 'clf', description: 'a classifier', tags: [{ key: 'team', value: 'vision' }] }));
    expect(created.registered_model).toEqual({
      name: 'clf',
      creation_timestamp: expect.any(Number),
      last_updated_timestamp: expect.any(Number),
      description: 'a classifier',
      tags: [{ key: 'team', value: 'vision' }],
    });
    const run = await runWithModel();
    const mv = ok(await post('model-versions/create', { name: 'clf', source: `runs:/${run.run_id}/model`, run_id: run.run_id, tags: [{ key: 'stage', value: 'qa' }] })).model_version;
    expect(mv).toEqual({
      name: 'clf',
      version: '1',
      creation_timestamp: expect.any(Number),
      last_updated_timestamp: expect.any(Number),
      user_id: p.keyIds.write,
      current_stage: 'None',
      description: '',
      source: `runs:/${run.run_id}/model`,
      run_id: run.run_id,
      status: 'READY',
      tags: [{ key: 'stage', value: 'qa' }],
    });
    // The Python client resolves runs:/ to the run's artifact URI before it calls the server: that form works too.
    const second = ok(await post('model-versions/create', { name: 'clf', source: `${run.artifact_uri}/model`, run_id: run.run_id })).model_version;
    expect(second).toMatchObject({ version: '2', source: `${run.artifact_uri}/model`, run_id: run.run_id });
    // Outpost's own view: the files under model/, with the signature read from the ONNX graph.
    const v1 = (await call('/v1/models/clf/versions/1', { key: p.keys.read })).body.version;
    expect(v1).toMatchObject({ format: 'onnx', runId: run.run_id });
    expect(v1.files.map((f: { path: string }) => f.path)).toEqual(['MLmodel', 'model.onnx']);
    expect(v1.signature.inputs[0].shape.at(-1)).toBe(4);
    const got = ok(await get('model-versions/get', { name: 'clf', version: '1' })).model_version;
    expect(got).toEqual(mv);
    const model = ok(await get('registered-models/get', { name: 'clf' }, p.keys.read, 'ajax-api')).registered_model;
    expect(model.latest_versions).toEqual([second]);
    expect(typeof model.latest_versions[0].version).toBe('string');
  });

  it('copies a registered version from models:/<name>/<version> and explains the sources it accepts', async () => {
    await modelWithVersions('origin');
    ok(await post('registered-models/create', { name: 'copy' }));
    const mv = ok(await post('model-versions/create', { name: 'copy', source: 'models:/origin/1' })).model_version;
    expect(mv).toMatchObject({ name: 'copy', version: '1', source: 'models:/origin/1', run_id: expect.any(String) });
    const [a, b] = await Promise.all(['origin', 'copy'].map(async (n) => (await call(`/v1/models/${n}/versions/1`, { key: p.keys.read })).body.version.files));
    expect(b).toEqual(a);
    expectMlflowError(await post('model-versions/create', { name: 'copy', source: 's3://bucket/model' }), 400, 'INVALID_PARAMETER_VALUE', /runs:\/<run_id>\/<path>.*models:\/<name>\/<version>/);
    const run = await runWithModel();
    expectMlflowError(await post('model-versions/create', { name: 'copy', source: `runs:/${run.run_id}/elsewhere` }), 400, 'INVALID_PARAMETER_VALUE', /no artifacts under 'elsewhere'/);
    expectMlflowError(await post('model-versions/create', { name: 'copy', source: `runs:/${run.run_id}/model`, run_id: 'other' }), 400, 'INVALID_PARAMETER_VALUE');
    expectMlflowError(await post('model-versions/create', { name: 'copy', source: 'models:/origin/9' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Model Version (name=origin, version=9) not found');
    expectMlflowError(await post('model-versions/create', { name: 'absent', source: 'models:/origin/1' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Registered Model with name=absent not found');
    // The ref inside models:/ is read by the one ref grammar; MLflow has no bare models:/<name>.
    expectMlflowError(await post('model-versions/create', { name: 'copy', source: 'models:/origin/0' }), 400, 'INVALID_PARAMETER_VALUE', /^Invalid model version source 'models:\/origin\/0': .*the version "0" is not a whole number from 1 up/);
    expectMlflowError(await post('model-versions/create', { name: 'copy', source: 'models:/origin' }), 400, 'INVALID_PARAMETER_VALUE', /runs:\/<run_id>\/<path>/);
    expectMlflowError(await post('model-versions/create', { name: 'copy', source: 'models:/origin@missing' }), 400, 'INVALID_PARAMETER_VALUE', 'Registered model alias missing not found.');
  });

  it('sets, reads and deletes aliases, recorded in the alias history; reserved names are refused', async () => {
    await modelWithVersions('aliased', 2);
    expect(ok(await post('registered-models/alias', { name: 'aliased', alias: 'champion', version: '1' }))).toEqual({});
    const byAlias = ok(await get('registered-models/alias', { name: 'aliased', alias: 'champion' })).model_version;
    expect(byAlias).toMatchObject({ name: 'aliased', version: '1', aliases: ['champion'] });
    ok(await post('registered-models/alias', { name: 'aliased', alias: 'champion', version: 2 }));
    ok(await post('registered-models/alias', { name: 'aliased', alias: 'backup', version: '1' }));
    const model = ok(await get('registered-models/get', { name: 'aliased' })).registered_model;
    expect(model.aliases).toEqual([{ alias: 'backup', version: '1' }, { alias: 'champion', version: '2' }]);
    expect(model.latest_versions[0].aliases).toEqual(['champion']);
    for (const alias of ['latest', 'LATEST', 'v3']) expectMlflowError(await post('registered-models/alias', { name: 'aliased', alias, version: '1' }), 400, 'INVALID_PARAMETER_VALUE', /reserved/);
    expectMlflowError(await post('registered-models/alias', { name: 'aliased', alias: 'next', version: '7' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expect(ok(await del('registered-models/alias', { name: 'aliased', alias: 'champion' }))).toEqual({});
    ok(await del('registered-models/alias', { name: 'aliased', alias: 'champion' })); // already gone: nothing to do
    expectMlflowError(await get('registered-models/alias', { name: 'aliased', alias: 'champion' }), 400, 'INVALID_PARAMETER_VALUE', 'Registered model alias champion not found.');
    const events = (await call('/v1/models/aliased/history?alias=champion', { key: p.keys.read })).body.events;
    expect(events.map((e: { from: number | null; to: number | null }) => [e.from, e.to])).toEqual([[2, null], [1, 2], [null, 1]]);
    expect(events[0]).toMatchObject({ actor: { type: 'key', id: p.keyIds.write, name: 'writer' }, reason: expect.stringContaining('MLflow') });
  });

  it('searches registered models by name and tag, ordered and paged', async () => {
    for (const n of ['srch-c', 'srch-a', 'srch-b', 'srch-d']) ok(await post('registered-models/create', { name: n, tags: n === 'srch-b' ? [{ key: 'kind', value: 'vad' }] : [] }));
    const page1 = ok(await get('registered-models/search', { filter: "name LIKE 'srch-%'", max_results: '3' }));
    expect(page1.registered_models.map((m: { name: string }) => m.name)).toEqual(['srch-a', 'srch-b', 'srch-c']);
    const page2 = ok(await get('registered-models/search', { filter: "name LIKE 'srch-%'", max_results: '3', page_token: page1.next_page_token }));
    expect(page2.registered_models.map((m: { name: string }) => m.name)).toEqual(['srch-d']);
    expect(page2.next_page_token).toBeUndefined();
    expect(ok(await get('registered-models/search', { filter: "name='srch-c'" })).registered_models.map((m: { name: string }) => m.name)).toEqual(['srch-c']);
    expect(ok(await get('registered-models/search', { filter: "tags.kind = 'vad'" })).registered_models.map((m: { name: string }) => m.name)).toEqual(['srch-b']);
    const desc = ok(await post('registered-models/search', { filter: "name ILIKE 'SRCH-%'", order_by: ['name DESC'] }, p.keys.read));
    expect(desc.registered_models.map((m: { name: string }) => m.name)).toEqual(['srch-d', 'srch-c', 'srch-b', 'srch-a']);
    expect(ok(await get('registered-models/search', { filter: "name = 'nothing-here'" }))).toEqual({});
    expectMlflowError(await get('registered-models/search', { filter: "name ~ 'x'" }), 400, 'INVALID_PARAMETER_VALUE');
    expectMlflowError(await get('registered-models/search', { max_results: '1001' }), 400, 'INVALID_PARAMETER_VALUE', /at most 1000/);
    expectMlflowError(await get('registered-models/search', { order_by: 'size' }), 400, 'INVALID_PARAMETER_VALUE');
  });

  it('searches model versions by name, run_id and version number, newest first within a model', async () => {
    const run = await modelWithVersions('mvs', 3);
    const all = ok(await get('model-versions/search', { filter: "name='mvs'" }));
    expect(all.model_versions.map((v: { version: string }) => v.version)).toEqual(['3', '2', '1']);
    const page = ok(await get('model-versions/search', { filter: "name='mvs'", max_results: '2' }));
    expect(page.model_versions).toHaveLength(2);
    const rest = ok(await get('model-versions/search', { filter: "name='mvs'", max_results: '2', page_token: page.next_page_token }));
    expect(rest.model_versions.map((v: { version: string }) => v.version)).toEqual(['1']);
    const byRun = ok(await get('model-versions/search', { filter: `run_id='${run.run_id}'` })).model_versions;
    expect(byRun.map((v: { name: string; version: string }) => `${v.name}/${v.version}`)).toEqual(['mvs/3', 'mvs/2', 'mvs/1']);
    const inList = ok(await get('model-versions/search', { filter: `run_id IN ('${run.run_id}', 'nope') AND version_number > 1` })).model_versions;
    expect(inList.map((v: { version: string }) => v.version)).toEqual(['3', '2']);
    expect(ok(await get('model-versions/search', { filter: "run_id='nope'" }))).toEqual({});
  });

  it('updates, renames and deletes models and versions; deleting a version removes its aliases', async () => {
    await modelWithVersions('before', 2);
    ok(await post('registered-models/alias', { name: 'before', alias: 'prod', version: '2' }));
    expect(ok(await patch('registered-models/update', { name: 'before', description: 'v2 is better' })).registered_model.description).toBe('v2 is better');
    const mv = ok(await patch('model-versions/update', { name: 'before', version: '1', description: 'first try' })).model_version;
    expect(mv).toMatchObject({ version: '1', description: 'first try' });
    ok(await post('registered-models/create', { name: 'taken' }));
    expectMlflowError(await post('registered-models/rename', { name: 'before', new_name: 'taken' }), 400, 'RESOURCE_ALREADY_EXISTS', 'Registered Model (name=taken) already exists.');
    const renamed = ok(await post('registered-models/rename', { name: 'before', new_name: 'after' })).registered_model;
    expect(renamed).toMatchObject({ name: 'after', description: 'v2 is better', aliases: [{ alias: 'prod', version: '2' }] });
    expectMlflowError(await get('registered-models/get', { name: 'before' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Registered Model with name=before not found');
    expect(ok(await get('model-versions/get', { name: 'after', version: '1' })).model_version).toMatchObject({ name: 'after', description: 'first try' });

    expect(ok(await del('model-versions/delete', { name: 'after', version: '2' }))).toEqual({});
    expectMlflowError(await get('model-versions/get', { name: 'after', version: '2' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Model Version (name=after, version=2) not found');
    const left = ok(await get('registered-models/get', { name: 'after' })).registered_model;
    expect(left.aliases).toBeUndefined();
    expect(left.latest_versions.map((v: { version: string }) => v.version)).toEqual(['1']);
    expect(ok(await del('registered-models/delete', { name: 'after' }))).toEqual({});
    expectMlflowError(await get('registered-models/get', { name: 'after' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expect((await call('/v1/models/after', { key: p.keys.read })).status).toBe(404);
    // The name is free again.
    ok(await post('registered-models/create', { name: 'after' }));
  });

  it('sets and deletes tags on models and versions', async () => {
    await modelWithVersions('tagged');
    ok(await post('registered-models/set-tag', { name: 'tagged', key: 'owner', value: 'ana' }));
    ok(await post('model-versions/set-tag', { name: 'tagged', version: '1', key: 'validated', value: 'yes' }));
    expect(ok(await get('registered-models/get', { name: 'tagged' })).registered_model.tags).toEqual([{ key: 'owner', value: 'ana' }]);
    expect(ok(await get('model-versions/get', { name: 'tagged', version: '1' })).model_version.tags).toEqual([{ key: 'validated', value: 'yes' }]);
    ok(await del('registered-models/delete-tag', { name: 'tagged', key: 'owner' }));
    ok(await del('model-versions/delete-tag', { name: 'tagged', version: '1', key: 'validated' }));
    ok(await del('model-versions/delete-tag', { name: 'tagged', version: '1', key: 'never-set' }));
    expect(ok(await get('registered-models/get', { name: 'tagged' })).registered_model.tags).toBeUndefined();
    expect(ok(await get('model-versions/get', { name: 'tagged', version: '1' })).model_version.tags).toBeUndefined();
    expectMlflowError(await post('model-versions/set-tag', { name: 'tagged', version: '5', key: 'k', value: 'v' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectMlflowError(await post('registered-models/set-tag', { name: 'tagged', key: '../up', value: 'v' }), 400, 'INVALID_PARAMETER_VALUE');
  });

  it('gives a download URI that serves the version manifest', async () => {
    await modelWithVersions('dl');
    const { artifact_uri } = ok(await get('model-versions/get-download-uri', { name: 'dl', version: '1' }));
    expect(artifact_uri).toBe(`${hub.url}/v1/models/dl/versions/1/manifest`);
    const manifest = await call(artifact_uri.slice(hub.url.length), { key: p.keys.read });
    expect(manifest.body).toMatchObject({ model: 'dl', version: 1, format: 'onnx' });
    expect(ok(await post('registered-models/get-latest-versions', { name: 'dl' }, p.keys.read)).model_versions.map((v: { version: string }) => v.version)).toEqual(['1']);
  });

  it("answers errors with MLflow's codes and statuses", async () => {
    ok(await post('registered-models/create', { name: 'dup' }));
    expectMlflowError(await post('registered-models/create', { name: 'dup' }), 400, 'RESOURCE_ALREADY_EXISTS', 'Registered Model (name=dup) already exists.');
    expectMlflowError(await get('registered-models/get', { name: 'ghost' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Registered Model with name=ghost not found');
    expectMlflowError(await get('model-versions/get', { name: 'dup', version: '1' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectMlflowError(await get('model-versions/get', { name: 'dup', version: 'one' }), 400, 'INVALID_PARAMETER_VALUE', /must be an integer/);
    expectMlflowError(await post('registered-models/create', {}), 400, 'INVALID_PARAMETER_VALUE', /Missing value for required parameter 'name'/);
    expectMlflowError(await post('registered-models/create', { name: 'has space' }), 400, 'INVALID_PARAMETER_VALUE');
    expectMlflowError(await post('registered-models/create', { name: 'by-reader' }, p.keys.read), 403, 'PERMISSION_DENIED');
    expectMlflowError(await del('registered-models/delete', { name: 'ghost' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });
});
