import { beforeAll, describe, expect, it } from 'vitest';
import { call, hub, newProject, type Reply, type TestProject } from '../../helpers/client.js';

// mlflow.log_input(dataset, context="training") sends runs/log-inputs; runs/get returns the inputs.
let p: TestProject;
beforeAll(async () => {
  p = await newProject('mlflow-inputs');
});

const post = (endpoint: string, json: unknown, key = p.keys.write) => call(`/api/2.0/mlflow/${endpoint}`, { key, json });
const getRun = async (id: string) => (await call(`/api/2.0/mlflow/runs/get?run_id=${id}`, { key: p.keys.read })).body.run;

function expectMlflowError(r: Reply, status: number, code: string, message?: string | RegExp) {
  expect({ status: r.status, code: r.body?.error_code }, r.text).toEqual({ status, code });
  if (message) expect(r.body.message).toMatch(message);
}

async function newRun() {
  const r = await post('runs/create', { experiment_id: '0', start_time: Date.now() });
  expect(r.status, r.text).toBe(200);
  return r.body.run.info.run_id as string;
}

const schema = JSON.stringify({ mlflow_colspec: [{ type: 'double', name: 'x' }, { type: 'long', name: 'y' }] });
const training = {
  tags: [{ key: 'mlflow.data.context', value: 'training' }],
  dataset: { name: 'iris', digest: 'a1b2c3d4', source_type: 'local', source: '{"uri": "/data/iris.csv"}', schema, profile: '{"num_rows": 150}' },
};
const evaluation = {
  tags: [{ key: 'mlflow.data.context', value: 'eval' }],
  dataset: { name: 'iris-eval', digest: 'e5f6', source_type: 'http', source: '{"url": "https://example.com/eval.csv"}' },
};

describe(`MLflow dataset inputs on ${hub.runtime}`, () => {
  it('stores logged datasets and returns them from runs/get and GET /v1/runs/{id}, once per name and digest', async () => {
    const run = await newRun();
    expect((await getRun(run)).inputs).toEqual({});
    expect(await post('runs/log-inputs', { run_id: run, datasets: [training, evaluation] })).toMatchObject({ status: 200, body: {} });
    // The same dataset again (other tags) and within one request twice: still one input each, the first kept.
    const again = { ...training, tags: [{ key: 'mlflow.data.context', value: 'test' }] };
    expect((await post('runs/log-inputs', { run_id: run, datasets: [again, again] })).status).toBe(200);
    expect((await getRun(run)).inputs).toEqual({ dataset_inputs: [training, evaluation] });

    const native = await call(`/v1/runs/${run}`, { key: p.keys.read });
    expect(native.body.run.inputs).toEqual([
      { dataset: { name: 'iris', digest: 'a1b2c3d4', sourceType: 'local', source: '{"uri": "/data/iris.csv"}', schema, profile: '{"num_rows": 150}' }, tags: { 'mlflow.data.context': 'training' } },
      { dataset: { name: 'iris-eval', digest: 'e5f6', sourceType: 'http', source: '{"url": "https://example.com/eval.csv"}', schema: null, profile: null }, tags: { 'mlflow.data.context': 'eval' } },
    ]);
    // A new digest of the same name is another dataset (the data changed).
    await post('runs/log-inputs', { run_id: run, datasets: [{ ...training, dataset: { ...training.dataset, digest: 'ffff' } }] });
    expect((await getRun(run)).inputs.dataset_inputs.map((d: { dataset: { digest: string } }) => d.dataset.digest)).toEqual(['a1b2c3d4', 'e5f6', 'ffff']);
    const openapi = (await call('/openapi.json')).body;
    expect(JSON.stringify(openapi.paths['/v1/runs/{id}'].get.responses['200'])).toContain('inputs');
  });

  it('accepts MLflow\'s field limits and refuses beyond them, naming the field, storing nothing', async () => {
    const run = await newRun();
    const ds = (dataset: object, tags = training.tags) => ({ run_id: run, datasets: [{ tags, dataset: { ...training.dataset, ...dataset } }] });
    const tag = (key: string, value: string) => [{ key, value }];
    expectMlflowError(await post('runs/log-inputs', ds({ name: 'n'.repeat(501) })), 400, 'INVALID_PARAMETER_VALUE', "'datasets[0].dataset.name' exceeds the maximum length of 500");
    expectMlflowError(await post('runs/log-inputs', ds({ digest: 'd'.repeat(37) })), 400, 'INVALID_PARAMETER_VALUE', "'datasets[0].dataset.digest' exceeds the maximum length of 36");
    expectMlflowError(await post('runs/log-inputs', ds({}, tag('k'.repeat(256), 'v'))), 400, 'INVALID_PARAMETER_VALUE', "'datasets[0].tags[0].key' exceeds the maximum length of 255");
    expectMlflowError(await post('runs/log-inputs', ds({}, tag('k', 'v'.repeat(501)))), 400, 'INVALID_PARAMETER_VALUE', "'datasets[0].tags[0].value' exceeds the maximum length of 500");
    expectMlflowError(await post('runs/log-inputs', ds({ source: 's'.repeat(65_536) })), 400, 'INVALID_PARAMETER_VALUE', "'datasets[0].dataset.source' exceeds the maximum length of 65535");
    expect((await getRun(run)).inputs).toEqual({});
    const atLimits = ds({ name: 'n'.repeat(500), digest: 'd'.repeat(36), source: 's'.repeat(65_535) }, tag('k'.repeat(255), 'v'.repeat(500)));
    expect((await post('runs/log-inputs', atLimits)).status).toBe(200);
    expect((await getRun(run)).inputs.dataset_inputs[0].dataset.name).toHaveLength(500);
  });

  it('refuses bad input: a missing field, an unknown or deleted run, a read key', async () => {
    const run = await newRun();
    const { source: _source, ...noSource } = training.dataset;
    expectMlflowError(await post('runs/log-inputs', { run_id: run, datasets: [{ dataset: noSource }] }), 400, 'INVALID_PARAMETER_VALUE', "Missing value for required parameter 'datasets[0].dataset.source'");
    expectMlflowError(await post('runs/log-inputs', { run_id: run, datasets: [{ tags: [{ key: 'k' }], dataset: training.dataset }] }), 400, 'INVALID_PARAMETER_VALUE', "'datasets[0].tags[0].value'");
    expectMlflowError(await post('runs/log-inputs', { datasets: [training] }), 400, 'INVALID_PARAMETER_VALUE', "Missing value for required parameter 'run_id'");
    expectMlflowError(await post('runs/log-inputs', { run_id: 'f'.repeat(32), datasets: [training] }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectMlflowError(await post('runs/log-inputs', { run_id: run, datasets: [training] }, p.keys.read), 403, 'PERMISSION_DENIED');
    await post('runs/delete', { run_id: run });
    expectMlflowError(await post('runs/log-inputs', { run_id: run, datasets: [training] }), 400, 'INVALID_PARAMETER_VALUE', /must be in the 'active' state/);
    expect((await getRun(run)).inputs).toEqual({});
  });
});
