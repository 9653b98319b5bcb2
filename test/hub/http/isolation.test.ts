import { beforeAll, describe, expect, it } from 'vitest';
import { linearModelOnnx } from '../../../hub/registry/onnx/write.js';
import { addLatency, type LatencyHistogram } from '../../../shared/telemetry/histogram.js';
import { call, newProject, sha256Hex, type Reply, type TestProject } from '../../helpers/client.js';

// Project A holds one of everything; project B's keys try every route that takes an id or a name of A's.
let a: TestProject;
let b: TestProject;
const ids = { experiment: '', run: '', digest: '', model: 'iso-model', rollout: '' };

const HOUR = 3_600_000;
const T0 = Math.floor(1_700_000_000_000 / HOUR) * HOUR;

beforeAll(async () => {
  [a, b] = await Promise.all([newProject('iso-a'), newProject('iso-b')]);
  const ok = async (r: Promise<Reply>) => {
    const reply = await r;
    expect(reply.status, reply.text).toBeLessThan(300);
    return reply.body;
  };
  const w = a.keys.write;
  ids.experiment = (await ok(call('/v1/experiments', { key: w, json: { name: 'secret-experiment' } }))).experiment.id;
  ids.run = (await ok(call('/v1/runs', { key: w, json: { experimentId: ids.experiment, name: 'secret-run', params: { lr: '0.1' }, tags: { t: 'a' } } }))).run.id;
  await ok(call(`/v1/runs/${ids.run}/log`, { key: w, json: { metrics: [{ key: 'loss', steps: [0, 1], values: [2, 1] }] } }));
  const bytes = linearModelOnnx({ inputSize: 3, outputSize: 2, seed: 77 }) as Uint8Array<ArrayBuffer>;
  ids.digest = `sha256:${await sha256Hex(bytes)}`;
  await ok(call(`/v1/blobs/${ids.digest}`, { key: w, method: 'PUT', body: bytes }));
  await ok(call(`/v1/runs/${ids.run}/artifacts`, { key: w, method: 'PUT', json: { path: 'model/model.onnx', digest: ids.digest } }));
  await ok(call('/v1/models', { key: w, json: { name: ids.model, devices: true } }));
  const files = [{ path: 'model.onnx', digest: ids.digest, size: bytes.byteLength }];
  for (let i = 0; i < 2; i++) await ok(call(`/v1/models/${ids.model}/versions`, { key: w, json: { format: 'onnx', files } }));
  await ok(call(`/v1/models/${ids.model}/aliases/production`, { key: w, method: 'PUT', json: { version: 1 } }));
  await ok(call(`/v1/models/${ids.model}/aliases/production`, { key: w, method: 'PUT', json: { version: 2 } }));
  ids.rollout = (await ok(call(`/v1/models/${ids.model}/rollouts`, { key: w, json: { alias: 'production', to: 1, steps: [50, 100], interval: '1h' } }))).id;
  await ok(call('/v1/datasets/iso-data/versions', { key: w, json: { files: [{ path: 'm.onnx', digest: ids.digest, size: bytes.byteLength }] } }));
  await ok(call('/v1/datasets/iso-data/aliases/current', { key: w, method: 'PUT', json: { version: 1 } }));
  const histogram: LatencyHistogram = {};
  addLatency(histogram, 4);
  const report = { id: crypto.randomUUID(), type: 'telemetry', model: ids.model, version: 1, backend: 'wasm', deviceId: 'd', periodStart: T0, periodEnd: T0 + 60_000, count: 1, errors: 0, latency: { histogram, sumMs: 4, minMs: 4, maxMs: 4 } };
  await ok(call('/v1/sync', { key: a.keys.device, json: { items: [report] } }));
}, 60_000);

/** Everything of A's that B's calls could touch, read with A's own key. */
async function snapshotOfA() {
  const r = a.keys.read;
  const read = async (path: string, json?: unknown) => (await call(path, { key: r, json })).text;
  return {
    experiment: await read(`/v1/experiments/${ids.experiment}`),
    run: await read(`/v1/runs/${ids.run}`),
    runs: await read('/v1/runs/search', { experimentIds: [ids.experiment], lifecycle: 'all' }),
    history: await read(`/v1/runs/${ids.run}/metrics/loss`),
    artifacts: await read(`/v1/runs/${ids.run}/artifacts?path=model`),
    model: await read(`/v1/models/${ids.model}`),
    versions: await read(`/v1/models/${ids.model}/versions`),
    aliases: await read(`/v1/models/${ids.model}/history`),
    rollouts: await read(`/v1/models/${ids.model}/rollouts`),
    telemetry: await read(`/v1/telemetry?model=${ids.model}&since=${T0}&until=${T0 + HOUR}`),
    blob: (await call(`/v1/blobs/${ids.digest}`, { key: r })).status,
    dataset: await read('/v1/datasets/iso-data'),
    datasetFiles: await read('/v1/datasets/iso-data/versions/1/files'),
  };
}

type Case = [name: string, status: number, send: () => Promise<Reply>];
const ml = (endpoint: string) => `/api/2.0/mlflow/${endpoint}`;
const qs = (query: Record<string, string>) => `?${new URLSearchParams(query)}`;

/** Every route that takes an id or a name, called with project B's key on project A's, and the status it must answer. */
function cases(): Case[] {
  const w = b.keys.write;
  const send = (path: string, init: { method?: string; json?: unknown; key?: string } = {}) => () => call(path, { key: init.key ?? w, method: init.method, json: init.json });
  const run = `/v1/runs/${ids.run}`;
  const model = `/v1/models/${ids.model}`;
  const mv = { name: ids.model, version: '1' };
  return [
    // Tracking, by id: another project's experiment or run is forbidden.
    ['GET experiment', 403, send(`/v1/experiments/${ids.experiment}`)],
    ['PATCH experiment', 403, send(`/v1/experiments/${ids.experiment}`, { method: 'PATCH', json: { name: 'stolen' } })],
    ['DELETE experiment', 403, send(`/v1/experiments/${ids.experiment}`, { method: 'DELETE' })],
    ['restore experiment', 403, send(`/v1/experiments/${ids.experiment}/restore`, { method: 'POST' })],
    ['create a run in the experiment', 403, send('/v1/runs', { json: { experimentId: ids.experiment } })],
    ['search runs of the experiment', 403, send('/v1/runs/search', { json: { experimentIds: [ids.experiment] } })],
    ['search runs of the experiment among own', 403, send('/v1/runs/search', { json: { experimentIds: [ids.experiment, ids.experiment] } })],
    ['GET run', 403, send(run)],
    ['PATCH run', 403, send(run, { method: 'PATCH', json: { status: 'KILLED' } })],
    ['DELETE run', 403, send(run, { method: 'DELETE' })],
    ['restore run', 403, send(`${run}/restore`, { method: 'POST' })],
    ['log to run', 403, send(`${run}/log`, { json: { metrics: [{ key: 'loss', steps: [9], values: [0] }] } })],
    ['GET run artifacts', 403, send(`${run}/artifacts`)],
    ['PUT run artifact', 403, send(`${run}/artifacts`, { method: 'PUT', json: { path: 'x.onnx', digest: ids.digest } })],
    ['GET metric history', 403, send(`${run}/metrics/loss`)],
    ['POST metric series', 403, send('/v1/metrics/series', { json: { runIds: [ids.run], keys: ['loss'] } })],
    // Registry and telemetry, by name: names are per project, so A's model does not exist for B.
    ['GET telemetry of the model', 404, send(`/v1/telemetry?model=${ids.model}&since=${T0}&until=${T0 + HOUR}`, { key: b.keys.read })],
    ['GET model', 404, send(model)],
    ['PATCH model', 404, send(model, { method: 'PATCH', json: { devices: false } })],
    ['GET versions', 404, send(`${model}/versions`)],
    ['POST version', 404, send(`${model}/versions`, { json: { format: 'onnx', files: [{ path: 'model.onnx', digest: ids.digest, size: 1 }] } })],
    ['GET version', 404, send(`${model}/versions/1`)],
    ['GET version manifest', 404, send(`${model}/versions/1/manifest`)],
    ['GET alias manifest', 404, send(`/v1/models/${ids.model}@production/manifest`)],
    ['GET manifest by device key', 404, send(`/v1/models/${ids.model}@production/manifest`, { key: b.keys.device })],
    ['PUT alias', 404, send(`${model}/aliases/production`, { method: 'PUT', json: { version: 1 } })],
    ['roll back alias', 404, send(`${model}/aliases/production/rollback`, { method: 'POST' })],
    ['GET alias history', 404, send(`${model}/history`)],
    ['GET rollouts', 404, send(`${model}/rollouts`)],
    ['GET rollout', 404, send(`${model}/rollouts/${ids.rollout}`)],
    ['POST rollout', 404, send(`${model}/rollouts`, { json: { alias: 'production', to: 1, steps: [100], interval: '1h' } })],
    ['abort rollout', 404, send(`${model}/rollouts/${ids.rollout}/abort`, { json: {} })],
    // Blobs, by digest: another project's upload is not there.
    ['GET blob', 404, send(`/v1/blobs/${ids.digest}`)],
    ['HEAD blob', 404, send(`/v1/blobs/${ids.digest}`, { method: 'HEAD' })],
    ['GET blob by device key', 404, send(`/v1/blobs/${ids.digest}`, { key: b.keys.device })],
    // Datasets, by name: names are per project, so A's dataset does not exist for B.
    ['GET dataset', 404, send('/v1/datasets/iso-data')],
    ['GET dataset versions', 404, send('/v1/datasets/iso-data/versions')],
    ['GET dataset version', 404, send('/v1/datasets/iso-data/versions/1')],
    ['GET dataset version by alias', 404, send('/v1/datasets/iso-data/versions/current')],
    ['GET dataset files', 404, send('/v1/datasets/iso-data/versions/1/files')],
    ['GET dataset diff', 404, send('/v1/datasets/iso-data/versions/1/diff?against=1')],
    ['GET dataset stats', 404, send('/v1/datasets/iso-data/versions/1/stats?path=m.csv')],
    ['GET dataset preview', 404, send('/v1/datasets/iso-data/versions/1/preview?path=m.csv')],
    ['GET dataset folder', 404, send('/v1/datasets/iso-data/versions/1/tree')],
    ['GET dataset lineage', 404, send('/v1/datasets/iso-data/versions/1/lineage')],
    ['PUT dataset alias', 404, send('/v1/datasets/iso-data/aliases/current', { method: 'PUT', json: { version: 1 } })],
    ['DELETE dataset alias', 404, send('/v1/datasets/iso-data/aliases/current', { method: 'DELETE' })],
    ['GET dataset draft', 404, send('/v1/datasets/iso-data/drafts/draft-0001')],
    ["register a version of B's own dataset from A's blob", 409, send('/v1/datasets/iso-b-data/versions', { json: { files: [{ path: 'm.onnx', digest: ids.digest, size: 1 }] } })],
    ["log A's dataset into A's run", 403, send(`${run}/datasets`, { json: { datasets: [{ ref: 'iso-data/1' }] } })],
    // MLflow tracking.
    ['mlflow experiments/get', 403, send(ml('experiments/get') + qs({ experiment_id: ids.experiment }))],
    ['mlflow experiments/update', 403, send(ml('experiments/update'), { json: { experiment_id: ids.experiment, new_name: 'stolen' } })],
    ['mlflow experiments/delete', 403, send(ml('experiments/delete'), { json: { experiment_id: ids.experiment } })],
    ['mlflow experiments/restore', 403, send(ml('experiments/restore'), { json: { experiment_id: ids.experiment } })],
    ['mlflow experiments/set-experiment-tag', 403, send(ml('experiments/set-experiment-tag'), { json: { experiment_id: ids.experiment, key: 'k', value: 'v' } })],
    ['mlflow runs/create', 403, send(ml('runs/create'), { json: { experiment_id: ids.experiment } })],
    ['mlflow runs/search', 403, send(ml('runs/search'), { json: { experiment_ids: [ids.experiment] } })],
    ['mlflow runs/get', 403, send(ml('runs/get') + qs({ run_id: ids.run }))],
    ['mlflow runs/update', 403, send(ml('runs/update'), { json: { run_id: ids.run, status: 'KILLED' } })],
    ['mlflow runs/delete', 403, send(ml('runs/delete'), { json: { run_id: ids.run } })],
    ['mlflow runs/restore', 403, send(ml('runs/restore'), { json: { run_id: ids.run } })],
    ['mlflow runs/log-batch', 403, send(ml('runs/log-batch'), { json: { run_id: ids.run, metrics: [{ key: 'loss', value: 0, timestamp: 1, step: 9 }] } })],
    ['mlflow runs/log-metric', 403, send(ml('runs/log-metric'), { json: { run_id: ids.run, key: 'loss', value: 0, timestamp: 1, step: 9 } })],
    ['mlflow runs/log-parameter', 403, send(ml('runs/log-parameter'), { json: { run_id: ids.run, key: 'new', value: 'x' } })],
    ['mlflow runs/set-tag', 403, send(ml('runs/set-tag'), { json: { run_id: ids.run, key: 't', value: 'b' } })],
    ['mlflow runs/delete-tag', 403, send(ml('runs/delete-tag'), { json: { run_id: ids.run, key: 't' } })],
    ['mlflow metrics/get-history', 403, send(ml('metrics/get-history') + qs({ run_id: ids.run, metric_key: 'loss' }))],
    ['mlflow artifacts/list', 403, send(ml('artifacts/list') + qs({ run_id: ids.run }))],
    // MLflow registry.
    ['mlflow registered-models/get', 404, send(ml('registered-models/get') + qs({ name: ids.model }))],
    ['mlflow registered-models/update', 404, send(ml('registered-models/update'), { method: 'PATCH', json: { name: ids.model, description: 'stolen' } })],
    ['mlflow registered-models/rename', 404, send(ml('registered-models/rename'), { json: { name: ids.model, new_name: 'stolen' } })],
    ['mlflow registered-models/delete', 404, send(ml('registered-models/delete'), { method: 'DELETE', json: { name: ids.model } })],
    ['mlflow registered-models/set-tag', 404, send(ml('registered-models/set-tag'), { json: { name: ids.model, key: 'k', value: 'v' } })],
    ['mlflow registered-models/get-latest-versions', 404, send(ml('registered-models/get-latest-versions'), { json: { name: ids.model } })],
    ['mlflow registered-models/alias GET', 404, send(ml('registered-models/alias') + qs({ name: ids.model, alias: 'production' }))],
    ['mlflow registered-models/alias POST', 404, send(ml('registered-models/alias'), { json: { name: ids.model, alias: 'production', version: '1' } })],
    ['mlflow registered-models/alias DELETE', 404, send(ml('registered-models/alias'), { method: 'DELETE', json: { name: ids.model, alias: 'production' } })],
    ['mlflow model-versions/get', 404, send(ml('model-versions/get') + qs(mv))],
    ['mlflow model-versions/get-download-uri', 404, send(ml('model-versions/get-download-uri') + qs(mv))],
    ['mlflow model-versions/update', 404, send(ml('model-versions/update'), { method: 'PATCH', json: { ...mv, description: 'stolen' } })],
    ['mlflow model-versions/set-tag', 404, send(ml('model-versions/set-tag'), { json: { ...mv, key: 'k', value: 'v' } })],
    ['mlflow model-versions/delete', 404, send(ml('model-versions/delete'), { method: 'DELETE', json: mv })],
    [
      "mlflow model-versions/create into B's own model from A's run",
      403,
      async () => {
        const name = `b-model-${crypto.randomUUID().slice(0, 8)}`;
        expect((await call(ml('registered-models/create'), { key: w, json: { name } })).status).toBe(200);
        return call(ml('model-versions/create'), { key: w, json: { name, source: `runs:/${ids.run}/model`, run_id: ids.run } });
      },
    ],
  ];
}

describe('cross-project isolation', () => {
  it("answers every route with another project's id or name with its exact status, and A's data does not change", async () => {
    const before = await snapshotOfA();
    // The snapshot holds something to lose: a blob, a metric history, aliases moved twice, a telemetry series.
    expect(before.blob).toBe(200);
    expect(JSON.parse(before.history).values).toEqual([2, 1]);
    expect(JSON.parse(before.aliases).events).toHaveLength(2);
    expect(JSON.parse(before.telemetry).series).toHaveLength(1);
    const table = cases();
    const got: Record<string, number> = {};
    for (const [name, , send] of table) got[name] = (await send()).status;
    expect(got).toEqual(Object.fromEntries(table.map(([name, status]) => [name, status])));
    expect(await snapshotOfA()).toEqual(before);
  });

  it("applies no device sync item that names another project's run", async () => {
    const before = await snapshotOfA();
    const items = [
      { id: crypto.randomUUID(), type: 'run.log', runId: ids.run, metrics: [{ key: 'loss', steps: [7], values: [0] }] },
      { id: crypto.randomUUID(), type: 'run.finish', runId: ids.run, status: 'KILLED', endTime: Date.now() },
    ];
    const r = await call('/v1/sync', { key: b.keys.device, json: { items } });
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: { status: string }) => x.status)).toEqual(['rejected', 'rejected']);
    expect(await snapshotOfA()).toEqual(before);
  });
});
