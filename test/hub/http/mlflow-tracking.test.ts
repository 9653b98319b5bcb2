import { beforeAll, describe, expect, it } from 'vitest';
import { call, hub, newProject, randomBytes, sha256Hex, type Reply, type TestProject } from '../../helpers/client.js';

// MLflow's tracking REST API as its Python client speaks it: GET parameters in the query string, POST bodies as JSON.
let p: TestProject;
beforeAll(async () => {
  p = await newProject('mlflow');
});

const url = (endpoint: string, prefix = 'api') => `/${prefix}/2.0/mlflow/${endpoint}`;
const post = (endpoint: string, json: unknown, key = p.keys.write) => call(url(endpoint), { key, json });
function get(endpoint: string, query: Record<string, string | string[]>, key = p.keys.read, prefix = 'api') {
  const qs = new URLSearchParams(Object.entries(query).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => [k, x])));
  return call(`${url(endpoint, prefix)}?${qs}`, { key });
}

/** MLflow's error body: exactly `{"error_code","message"}`, with MLflow's status for that code. */
function expectMlflowError(r: Reply, status: number, code: string, message?: string | RegExp) {
  expect({ status: r.status, body: Object.keys(r.body ?? {}).sort() }, r.text).toEqual({ status, body: ['error_code', 'message'] });
  expect(r.body.error_code).toBe(code);
  if (message) expect(r.body.message).toMatch(message);
  expect(r.headers.get('content-type')).toMatch(/application\/json/);
}

let counter = 0;
async function newExperiment(prefix = 'exp') {
  const r = await post('experiments/create', { name: `${prefix}-${counter++}-${Date.now().toString(36)}` });
  expect(r.status, r.text).toBe(200);
  return r.body.experiment_id as string;
}
async function newRun(experimentId?: string, extra: Record<string, unknown> = {}) {
  const r = await post('runs/create', { experiment_id: experimentId ?? (await newExperiment()), start_time: Date.now(), ...extra });
  expect(r.status, r.text).toBe(200);
  return r.body.run.info.run_id as string;
}
const getRun = async (id: string) => (await get('runs/get', { run_id: id })).body.run;
const metric = (key: string, value: number, step: number, timestamp = 1_700_000_000_000 + step) => ({ key, value, timestamp, step });

describe(`MLflow tracking API on ${hub.runtime}`, () => {
  it('serves the Python client\'s flow field by field, under /api and /ajax-api', async () => {
    const name = `flow-${Date.now()}`;
    const missing = await get('experiments/get-by-name', { experiment_name: name });
    expectMlflowError(missing, 404, 'RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
    const created = await post('experiments/create', { name });
    expect(Object.keys(created.body)).toEqual(['experiment_id']);
    const id = created.body.experiment_id;
    expect(typeof id).toBe('string');
    const byName = await get('experiments/get-by-name', { experiment_name: name }, p.keys.read, 'ajax-api');
    expect(byName.status).toBe(200);
    const exp = (await get('experiments/get', { experiment_id: id })).body.experiment;
    expect(byName.body.experiment).toEqual(exp);
    expect(exp).toEqual({ experiment_id: id, name, artifact_location: expect.any(String), lifecycle_stage: 'active', creation_time: expect.any(Number), last_update_time: expect.any(Number) });

    const tags = [
      { key: 'mlflow.user', value: 'alice' },
      { key: 'mlflow.source.name', value: 'train.py' },
      { key: 'mlflow.source.type', value: 'LOCAL' },
      { key: 'mlflow.runName', value: 'first' },
    ];
    // Old clients write int64 as strings.
    const run = await post('runs/create', { experiment_id: id, user_id: 'alice', start_time: '1700000000000', run_name: 'first', tags });
    expect(run.status, run.text).toBe(200);
    const info = run.body.run.info;
    expect(info).toEqual({
      run_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      run_uuid: info.run_id,
      run_name: 'first',
      experiment_id: id,
      user_id: 'alice',
      status: 'RUNNING',
      start_time: 1_700_000_000_000,
      artifact_uri: expect.stringContaining(info.run_id),
      lifecycle_stage: 'active',
    });
    expect(run.body.run.data.tags).toEqual(expect.arrayContaining(tags));
    const ref = { run_id: info.run_id, run_uuid: info.run_id };
    for (const [endpoint, body] of [
      ['runs/log-parameter', { ...ref, key: 'lr', value: '0.1' }],
      ['runs/log-metric', { ...ref, key: 'loss', value: 0.5, timestamp: 1_700_000_000_500, step: 3 }],
      ['runs/log-metric', { run_uuid: info.run_id, key: 'loss', value: 0.25, timestamp: '1700000000600', step: '4' }],
      ['runs/set-tag', { ...ref, key: 'team', value: 'vision' }],
    ] as const) {
      const r = await post(endpoint, body);
      expect({ status: r.status, body: r.body }, `${endpoint}: ${r.text}`).toEqual({ status: 200, body: {} });
    }
    const ended = await post('runs/update', { ...ref, status: 'FINISHED', end_time: 1_700_000_001_000 });
    expect(ended.body.run_info).toMatchObject({ run_id: info.run_id, status: 'FINISHED', end_time: 1_700_000_001_000 });

    const got = await getRun(info.run_id);
    expect(got.info).toEqual({ ...info, status: 'FINISHED', end_time: 1_700_000_001_000 });
    expect(got.data.metrics).toEqual([{ key: 'loss', value: 0.25, timestamp: 1_700_000_000_600, step: 4 }]);
    expect(got.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    expect(got.data.tags).toEqual(expect.arrayContaining([...tags, { key: 'team', value: 'vision' }]));
    expect(got.data.tags).toHaveLength(5);
  });

  it('resolves experiment "0" to the project\'s Default experiment', async () => {
    const zero = await get('experiments/get', { experiment_id: '0' });
    expect(zero.body.experiment).toMatchObject({ name: 'Default', lifecycle_stage: 'active' });
    const run = await post('runs/create', { experiment_id: 0, start_time: Date.now() });
    expect(run.body.run.info.experiment_id).toBe(zero.body.experiment.experiment_id);
    // No run_name: a generated one, mirrored in the mlflow.runName tag.
    expect(run.body.run.data.tags).toContainEqual({ key: 'mlflow.runName', value: run.body.run.info.run_name });
  });

  it('answers errors with MLflow\'s codes and statuses', async () => {
    const name = `dup-${Date.now()}`;
    await post('experiments/create', { name });
    expectMlflowError(await post('experiments/create', { name }), 400, 'RESOURCE_ALREADY_EXISTS', name);
    expectMlflowError(await get('experiments/get', { experiment_id: 'exp_nope' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'No Experiment with id=exp_nope exists');
    expectMlflowError(await get('runs/get', { run_id: 'f'.repeat(32) }), 404, 'RESOURCE_DOES_NOT_EXIST', `Run with id=${'f'.repeat(32)} not found`);
    expectMlflowError(await post('experiments/create', { name: '' }), 400, 'INVALID_PARAMETER_VALUE', /Missing value for required parameter 'name'/);
    expectMlflowError(await post('experiments/create', { name: 123 }), 400, 'INVALID_PARAMETER_VALUE', /parameter 'name'/);
    const run = await newRun();
    expectMlflowError(await post('runs/log-metric', { run_id: run, key: 'x', value: 1 }), 400, 'INVALID_PARAMETER_VALUE', /'timestamp'/);
    const text = await call(url('runs/log-metric'), { key: p.keys.write, body: '{}', headers: { 'content-type': 'text/plain' } });
    expectMlflowError(text, 400, 'INVALID_PARAMETER_VALUE', /Content-Type/);
    expectMlflowError(await call(url('experiments/search'), { json: {} }), 401, 'UNAUTHENTICATED');
    expectMlflowError(await post('runs/set-tag', { run_id: run, key: 'k', value: 'v' }, p.keys.read), 403, 'PERMISSION_DENIED');
    expectMlflowError(await get('runs/get', { run_id: run }, p.keys.device), 403, 'PERMISSION_DENIED');
    const other = await newProject('mlflow-other');
    expectMlflowError(await get('runs/get', { run_id: run }, other.keys.read), 403, 'PERMISSION_DENIED');
  });

  it('refuses to change a param, naming the key, and takes the same value again', async () => {
    const run = await newRun();
    expect((await post('runs/log-parameter', { run_id: run, key: 'lr', value: '0.1' })).status).toBe(200);
    expect((await post('runs/log-parameter', { run_id: run, key: 'lr', value: '0.1' })).status).toBe(200);
    const changed = await post('runs/log-parameter', { run_id: run, key: 'lr', value: '0.2' });
    expectMlflowError(changed, 400, 'INVALID_PARAMETER_VALUE', `Param with key='lr' was already logged with value='0.1' for run ID='${run}'. Attempted logging new value '0.2'.`);
    const batch = await post('runs/log-batch', { run_id: run, params: [{ key: 'lr', value: '0.3' }] });
    expectMlflowError(batch, 400, 'INVALID_PARAMETER_VALUE', /Params were already logged='\[\{'key': 'lr', 'old_value': '0.1', 'new_value': '0.3'\}\]'/);
    expect((await getRun(run)).data.params).toEqual([{ key: 'lr', value: '0.1' }]);
  });

  it('holds log-batch to MLflow\'s limits with INVALID_PARAMETER_VALUE, writing nothing on refusal', async () => {
    const run = await newRun();
    const metrics = (n: number, key = 'm') => Array.from({ length: n }, (_, i) => metric(`${key}${i % 5}`, i, i));
    const kv = (n: number, prefix: string, value = 'v') => Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value }));
    const ok = async (body: object) => expect((await post('runs/log-batch', { run_id: run, ...body })).status).toBe(200);
    const refused = async (body: object, message: string | RegExp) => expectMlflowError(await post('runs/log-batch', { run_id: run, ...body }), 400, 'INVALID_PARAMETER_VALUE', message);
    await ok({ metrics: metrics(1000) });
    await refused({ metrics: metrics(1001, 'n') }, 'at most 1000 metrics. Got 1001 metrics');
    await ok({ params: kv(100, 'p') });
    await refused({ params: kv(101, 'q') }, 'at most 100 params. Got 101 params');
    await ok({ tags: kv(100, 't') });
    await refused({ tags: kv(101, 'u') }, 'at most 100 tags. Got 101 tags');
    await ok({ metrics: metrics(900, 'o'), params: kv(100, 'r') });
    await refused({ metrics: metrics(900, 'x'), params: kv(100, 's'), tags: kv(1, 'w') }, 'at most 1000 metrics, params, and tags. Got 1001');
    await ok({ params: [{ key: 'k'.repeat(250), value: 'x'.repeat(6000) }], tags: [{ key: 'T'.repeat(250), value: 'y'.repeat(8000) }] });
    await refused({ params: [{ key: 'K'.repeat(251), value: '1' }] }, "'params[0].key' exceeds the maximum length of 250");
    await refused({ params: [{ key: 'long', value: 'x'.repeat(6001) }] }, "'params[0].value' exceeds the maximum length of 6000");
    await refused({ tags: [{ key: 'long', value: 'y'.repeat(8001) }] }, "'tags[0].value' exceeds the maximum length of 8000");
    await refused({ params: [{ key: 'd', value: '1' }, { key: 'd', value: '1' }] }, "Duplicate parameter keys have been submitted: ['d']");
    await refused({ metrics: [{ key: 'm', value: 1, step: 0 }] }, "Missing value for required parameter 'metrics[0].timestamp'");
    await refused({ metrics: [metric('bad?key', 1, 0)] }, /Names may only contain/);
    const data = (await getRun(run)).data;
    expect(data.params).toHaveLength(201);
    expect(data.tags.filter((t: { key: string }) => /^[tT]/.test(t.key))).toHaveLength(101);
    expect(data.metrics.map((m: { key: string }) => m.key).sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'o0', 'o1', 'o2', 'o3', 'o4']);
  });

  it('returns metric history in step order, paged, and stores an identical point once', async () => {
    const run = await newRun();
    await post('runs/log-batch', { run_id: run, metrics: [metric('acc', 0.5, 5), metric('acc', 0.1, 1), metric('acc', 0.3, 3)] });
    const point = { run_id: run, ...metric('acc', 0, 0) };
    await post('runs/log-metric', point);
    await post('runs/log-metric', point); // a client's retry
    const history = await get('metrics/get-history', { run_id: run, run_uuid: run, metric_key: 'acc' });
    expect(history.body).toEqual({ metrics: [metric('acc', 0, 0), metric('acc', 0.1, 1), metric('acc', 0.3, 3), metric('acc', 0.5, 5)] });
    const first = await get('metrics/get-history', { run_id: run, metric_key: 'acc', max_results: '3' });
    expect(first.body.metrics.map((m: { step: number }) => m.step)).toEqual([0, 1, 3]);
    const rest = await get('metrics/get-history', { run_id: run, metric_key: 'acc', max_results: '3', page_token: first.body.next_page_token });
    expect(rest.body).toEqual({ metrics: [metric('acc', 0.5, 5)] });
    expect((await get('metrics/get-history', { run_id: run, metric_key: 'nope' })).body).toEqual({});
    expect((await getRun(run)).data.metrics).toEqual([metric('acc', 0.5, 5)]);
  });

  it('keeps run names and tags in step: set-tag mlflow.runName renames, delete-tag removes or 404s', async () => {
    const run = await newRun(undefined, { run_name: 'before' });
    await post('runs/set-tag', { run_id: run, key: 'mlflow.runName', value: 'after' });
    await post('runs/set-tag', { run_id: run, key: 'gone', value: 'soon' });
    expect((await getRun(run)).info.run_name).toBe('after');
    expect((await post('runs/delete-tag', { run_id: run, key: 'gone' })).body).toEqual({});
    expect((await getRun(run)).data.tags).not.toContainEqual({ key: 'gone', value: 'soon' });
    expectMlflowError(await post('runs/delete-tag', { run_id: run, key: 'gone' }), 404, 'RESOURCE_DOES_NOT_EXIST', `No tag with name: gone in run with id ${run}`);
    const renamed = await post('runs/update', { run_id: run, run_name: 'third' });
    expect(renamed.body.run_info.run_name).toBe('third');
    expect((await getRun(run)).data.tags).toContainEqual({ key: 'mlflow.runName', value: 'third' });
  });

  it('searches runs with AND, OR and parentheses, orders them and pages with page_token', async () => {
    const exp = await newExperiment('search');
    const specs = [
      { opt: 'adam', acc: 0.9, team: 'a' },
      { opt: 'sgd', acc: 0.4, team: 'a' },
      { opt: 'adam', acc: 0.7, team: 'b' },
      { opt: 'sgd', acc: 0.95, team: 'b' },
      { opt: 'adam', acc: 0.2, team: 'a' },
    ];
    const ids: string[] = [];
    for (const s of specs) {
      const id = await newRun(exp, { tags: [{ key: 'team', value: s.team }] });
      await post('runs/log-batch', { run_id: id, params: [{ key: 'opt', value: s.opt }], metrics: [metric('acc', s.acc, 0)] });
      ids.push(id);
    }
    const search = (body: object) => post('runs/search', { experiment_ids: [exp], ...body }, p.keys.read);
    const idsOf = (r: Reply) => (r.body.runs ?? []).map((run: { info: { run_id: string } }) => run.info.run_id);
    const and = await search({ filter: "metrics.acc > 0.5 AND params.opt = 'adam'", order_by: ['metrics.acc DESC'] });
    expect(idsOf(and)).toEqual([ids[0], ids[2]]);
    expect(and.body.runs[0].data).toMatchObject({ params: [{ key: 'opt', value: 'adam' }], metrics: [metric('acc', 0.9, 0)] });
    const or = await search({ filter: "(params.opt = 'sgd' OR metrics.acc >= 0.9) AND tags.team = 'b'", order_by: ['metrics.acc ASC'] });
    expect(idsOf(or)).toEqual([ids[3]]);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await search({ max_results: 2, order_by: ['metrics.acc DESC'], ...(token ? { page_token: token } : {}) });
      expect(idsOf(page).length).toBeLessThanOrEqual(2);
      seen.push(...idsOf(page));
      token = page.body.next_page_token;
    } while (token);
    expect(seen).toEqual([ids[3], ids[0], ids[2], ids[1], ids[4]]);
    await post('runs/delete', { run_id: ids[1] });
    expect(idsOf(await search({ run_view_type: 'DELETED_ONLY' }))).toEqual([ids[1]]);
    expect(idsOf(await search({ run_view_type: 'ALL' }))).toHaveLength(5);
    expect(await search({ filter: "params.opt = 'none'" }).then((r) => r.body)).toEqual({});
    await post('runs/restore', { run_id: ids[1] });
    expect(idsOf(await search({}))).toHaveLength(5);
    expectMlflowError(await search({ max_results: 50_001 }), 400, 'INVALID_PARAMETER_VALUE', /max_results/);
    expectMlflowError(await search({ filter: 'metrics.acc >' }), 400, 'INVALID_PARAMETER_VALUE');
  });

  it('searches, renames, tags, deletes and restores experiments', async () => {
    const stamp = Date.now().toString(36);
    const names = ['alpha', 'beta', 'gamma'].map((n) => `es-${stamp}-${n}`);
    const ids = [];
    for (const name of names) ids.push((await post('experiments/create', { name, tags: [{ key: 'kind', value: name.endsWith('beta') ? 'b' : 'x' }] })).body.experiment_id);
    const search = (body: object) => post('experiments/search', body, p.keys.read);
    const namesOf = (r: Reply) => (r.body.experiments ?? []).map((e: { name: string }) => e.name);
    expect(namesOf(await search({ filter: `name LIKE 'es-${stamp}-%'`, order_by: ['name DESC'] }))).toEqual([...names].reverse());
    expect(namesOf(await search({ filter: `name = '${names[1]}'` }))).toEqual([names[1]]);
    expect(namesOf(await search({ filter: `tags.kind = 'b' AND name LIKE 'es-${stamp}%'` }))).toEqual([names[1]]);
    const first = await search({ filter: `name LIKE 'es-${stamp}-%'`, order_by: ['name'], max_results: 2 });
    expect(namesOf(first)).toEqual(names.slice(0, 2));
    const second = await search({ filter: `name LIKE 'es-${stamp}-%'`, order_by: ['name'], max_results: 2, page_token: first.body.next_page_token });
    expect({ names: namesOf(second), token: second.body.next_page_token }).toEqual({ names: [names[2]], token: undefined });
    const viaGet = await get('experiments/search', { filter: `name = '${names[0]}'`, max_results: '10' });
    expect(namesOf(viaGet)).toEqual([names[0]]);

    expect((await post('experiments/update', { experiment_id: ids[0], new_name: `${names[0]}-renamed` })).body).toEqual({});
    expectMlflowError(await post('experiments/update', { experiment_id: ids[0], new_name: names[1] }), 400, 'RESOURCE_ALREADY_EXISTS');
    await post('experiments/set-experiment-tag', { experiment_id: ids[0], key: 'owner', value: 'ml' });
    const renamed = (await get('experiments/get', { experiment_id: ids[0] })).body.experiment;
    expect(renamed).toMatchObject({ name: `${names[0]}-renamed`, tags: expect.arrayContaining([{ key: 'owner', value: 'ml' }]) });

    expect((await post('experiments/delete', { experiment_id: ids[2] })).body).toEqual({});
    expect((await get('experiments/get', { experiment_id: ids[2] })).body.experiment.lifecycle_stage).toBe('deleted');
    expectMlflowError(await post('experiments/delete', { experiment_id: ids[2] }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectMlflowError(await post('runs/create', { experiment_id: ids[2] }), 400, 'INVALID_PARAMETER_VALUE', /must be in the 'active' state/);
    expect(namesOf(await search({ view_type: 'DELETED_ONLY', filter: `name LIKE 'es-${stamp}-%'` }))).toEqual([names[2]]);
    expect((await post('experiments/restore', { experiment_id: ids[2] })).body).toEqual({});
    expectMlflowError(await post('experiments/restore', { experiment_id: ids[2] }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('lists a run\'s artifacts as MLflow FileInfos and refuses paths that climb out', async () => {
    const run = await newRun();
    const empty = await get('artifacts/list', { run_id: run });
    expect(empty.body).toEqual({ root_uri: (await getRun(run)).info.artifact_uri });
    const bytes = randomBytes(42);
    const digest = `sha256:${await sha256Hex(bytes)}`;
    await call(`/v1/blobs/${digest}`, { key: p.keys.write, method: 'PUT', body: bytes });
    for (const path of ['model/model.onnx', 'report.html']) await call(`/v1/runs/${run}/artifacts`, { key: p.keys.write, method: 'PUT', json: { path, digest } });
    const root = await get('artifacts/list', { run_id: run });
    expect(root.body.files).toEqual([{ path: 'model', is_dir: true }, { path: 'report.html', is_dir: false, file_size: 42 }]);
    expect((await get('artifacts/list', { run_id: run, path: 'model' })).body.files).toEqual([{ path: 'model/model.onnx', is_dir: false, file_size: 42 }]);
    expectMlflowError(await get('artifacts/list', { run_id: run, path: '../other' }), 400, 'INVALID_PARAMETER_VALUE');
  });

  it('clamps infinite metric values as MLflow\'s SQL store does and refuses NaN', async () => {
    const run = await newRun();
    expect((await post('runs/log-metric', { run_id: run, key: 'inf', value: 'Infinity', timestamp: 1, step: 0 })).status).toBe(200);
    // Python's json module writes bare -Infinity and NaN, which JSON.parse alone would refuse.
    const bare = `{"run_id": "${run}", "key": "inf", "value": -Infinity, "timestamp": 2, "step": 1}`;
    expect((await call(url('runs/log-metric'), { key: p.keys.write, body: bare, headers: { 'content-type': 'application/json' } })).status).toBe(200);
    const history = await get('metrics/get-history', { run_id: run, metric_key: 'inf' });
    expect(history.body.metrics.map((m: { value: number }) => m.value)).toEqual([1.7976931348623157e308, -1.7976931348623157e308]);
    expectMlflowError(await post('runs/log-metric', { run_id: run, key: 'nan', value: 'NaN', timestamp: 1 }), 400, 'INVALID_PARAMETER_VALUE', /NaN/);
    expectMlflowError(await post('runs/log-metric', { run_id: run, key: 'x', value: 1, timestamp: 1 }, p.keys.read), 403, 'PERMISSION_DENIED');
    await post('runs/delete', { run_id: run });
    expectMlflowError(await post('runs/log-metric', { run_id: run, key: 'x', value: 1, timestamp: 1 }), 400, 'INVALID_PARAMETER_VALUE', /must be in the 'active' state/);
  });

  it('refuses a body over MLflow\'s cap, declared or streamed, and a malformed 160 KB body, in MLflow\'s shape', async () => {
    const run = await newRun();
    const headers = { 'content-type': 'application/json' };
    const huge = JSON.stringify({ run_id: run, tags: [{ key: 'k', value: 'v'.repeat(1_000_001) }] });
    expectMlflowError(await call(url('runs/log-batch'), { key: p.keys.write, body: huge, headers }), 400, 'INVALID_PARAMETER_VALUE', `Batched logging API requests must be at most 1000000 bytes, got a request of size ${huge.length}.`);
    const chunked = new Blob([huge]).stream();
    expectMlflowError(await call(url('runs/update'), { key: p.keys.write, body: chunked as never, headers }), 400, 'INVALID_PARAMETER_VALUE', 'Request body must be at most 1000000 bytes, got a request of size more than 1000000.');
    // An unterminated string full of escaped quotes: a scan that restarts at every quote would take minutes here.
    const malformed = `{"run_id": "${run}", "key": "` + '\\"'.repeat(80_000);
    expect(malformed.length).toBeGreaterThan(160_000);
    expectMlflowError(await call(url('runs/log-metric'), { key: p.keys.write, body: malformed, headers }), 400, 'INVALID_PARAMETER_VALUE', /^Malformed JSON request body: /);
    expect((await getRun(run)).data.tags ?? []).not.toContainEqual(expect.objectContaining({ key: 'k' }));
  });
});
