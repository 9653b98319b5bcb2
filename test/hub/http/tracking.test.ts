import { beforeAll, describe, expect, it } from 'vitest';
import { encodeMetricsFrame, METRICS_FRAME_TYPE } from '../../../shared/metrics-frame.js';
import { call, expectError, newProject, randomBytes, sha256Hex, type TestProject } from '../../helpers/client.js';

let p: TestProject;
let other: TestProject;
let experimentId: string;
beforeAll(async () => {
  [p, other] = await Promise.all([newProject('track'), newProject('track-other')]);
  experimentId = (await call('/v1/experiments', { key: p.keys.write, json: { name: 'mnist', tags: { team: 'vision' } } })).body.experiment.id;
});

const newRun = async (json: Record<string, unknown> = {}) => (await call('/v1/runs', { key: p.keys.write, json: { experimentId, ...json } })).body.run;
const log = (runId: string, json: unknown, headers: Record<string, string> = {}) => call(`/v1/runs/${runId}/log`, { key: p.keys.write, json, headers });

describe('experiments', () => {
  it('creates, renames, tags, deletes and restores an experiment', async () => {
    const made = await call('/v1/experiments', { key: p.keys.write, json: { name: 'lifecycle' } });
    expect(made.status).toBe(201);
    const id = made.body.experiment.id;
    expect(made.body.experiment).toMatchObject({ name: 'lifecycle', lifecycle: 'active', tags: {} });
    const renamed = await call(`/v1/experiments/${id}`, { key: p.keys.write, method: 'PATCH', json: { name: 'lifecycle-2', tags: { a: '1' } } });
    expect(renamed.body.experiment).toMatchObject({ name: 'lifecycle-2', tags: { a: '1' } });
    expect((await call(`/v1/experiments/${id}`, { key: p.keys.write, method: 'DELETE' })).body.experiment.lifecycle).toBe('deleted');
    const active = await call('/v1/experiments', { key: p.keys.read });
    expect(active.body.experiments.map((e: { id: string }) => e.id)).not.toContain(id);
    const deleted = await call('/v1/experiments?lifecycle=deleted', { key: p.keys.read });
    expect(deleted.body.experiments.map((e: { id: string }) => e.id)).toContain(id);
    expect((await call(`/v1/experiments/${id}/restore`, { key: p.keys.write, method: 'POST' })).body.experiment.lifecycle).toBe('active');
  });

  it('refuses a second experiment with the same name in a project with 409, but another project may use it', async () => {
    expectError(await call('/v1/experiments', { key: p.keys.write, json: { name: 'mnist' } }), 409, 'conflict');
    expect((await call('/v1/experiments', { key: other.keys.write, json: { name: 'mnist' } })).status).toBe(201);
  });

  it("answers 403 for another project's experiment", async () => {
    expectError(await call(`/v1/experiments/${experimentId}`, { key: other.keys.read }), 403, 'forbidden');
  });
});

describe('runs', () => {
  it('creates a run with params and tags, and ends it with a status that stamps the end time', async () => {
    const run = await newRun({ name: 'baseline', params: { lr: '0.01' }, tags: { team: 'vision' }, source: 'cli' });
    expect(run).toMatchObject({ name: 'baseline', status: 'RUNNING', endTime: null, source: 'cli', params: { lr: '0.01' }, tags: { team: 'vision' }, experimentId });
    expect(run.id).toMatch(/^[0-9a-f]{32}$/);
    const done = await call(`/v1/runs/${run.id}`, { key: p.keys.write, method: 'PATCH', json: { status: 'FINISHED' } });
    expect(done.body.run.status).toBe('FINISHED');
    expect(done.body.run.endTime).toBeGreaterThanOrEqual(run.startTime);
  });

  it('names a run when the caller does not', async () => {
    expect((await newRun()).name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
  });

  it('deletes and restores a run', async () => {
    const run = await newRun();
    expect((await call(`/v1/runs/${run.id}`, { key: p.keys.write, method: 'DELETE' })).body.run.lifecycle).toBe('deleted');
    expect((await call(`/v1/runs/${run.id}/restore`, { key: p.keys.write, method: 'POST' })).body.run.lifecycle).toBe('active');
  });

  it('names the bad field of a run create', async () => {
    const r = await call('/v1/runs', { key: p.keys.write, json: { experimentId, status: 'DONE', startTime: -1 } });
    expectError(r, 400, 'validation_failed');
    expect(r.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['startTime', 'status']);
  });

  it('answers 404 for a run in an experiment that does not exist', async () => {
    expectError(await call('/v1/runs', { key: p.keys.write, json: { experimentId: 'exp_missing' } }), 404, 'not_found');
  });
});

describe('logging', () => {
  it('keeps params immutable: the same value again is fine, another is a 400 naming the key, and nothing of that batch is stored', async () => {
    const run = await newRun({ params: { lr: '0.01' } });
    expect((await log(run.id, { params: { lr: '0.01' } })).status).toBe(200);
    const changed = await log(run.id, { params: { lr: '0.1' }, tags: { t: 'x' }, metrics: [{ key: 'loss', steps: [0], values: [1] }] });
    expectError(changed, 400, 'bad_request');
    expect(changed.body.error.message).toContain('"lr"');
    const after = (await call(`/v1/runs/${run.id}`, { key: p.keys.read })).body.run;
    expect(after.params).toEqual({ lr: '0.01' });
    expect(after.tags).toEqual({});
    expect(after.metrics).toEqual({});
  });

  it('lets exactly one of two concurrent batches set a param to different values, and stores the winner', async () => {
    const run = await newRun();
    const winners: Record<string, string> = {};
    for (let round = 0; round < 20; round++) {
      const key = `p${round}`;
      const values = ['a', 'b'];
      const replies = await Promise.all(values.map((value) => log(run.id, { params: { [key]: value }, metrics: [{ key: `m${round}`, steps: [0], values: [1] }] })));
      expect(replies.map((r) => r.status).sort(), `round ${round}`).toEqual([200, 400]);
      const won = replies.findIndex((r) => r.status === 200);
      const lost = replies[1 - won]!;
      expectError(lost, 400, 'bad_request');
      expect(lost.body.error.details).toEqual({ key, oldValue: values[won], newValue: values[1 - won] });
      winners[key] = values[won]!;
    }
    const after = (await call(`/v1/runs/${run.id}`, { key: p.keys.read })).body.run;
    expect(after.params).toEqual(winners);
    // The loser's batch rolled back whole: each round's metric holds the winner's one point.
    for (let round = 0; round < 20; round++) expect(after.metrics[`m${round}`].count, `round ${round}`).toBe(1);
  });

  it('lets concurrent batches that set a param to the same value all succeed, and an idempotent retry stay a duplicate', async () => {
    const run = await newRun();
    const same = await Promise.all([1, 2, 3].map(() => log(run.id, { params: { lr: '0.5' } })));
    expect(same.map((r) => r.status)).toEqual([200, 200, 200]);
    const batch = { params: { lr: '0.5', seed: '7' } };
    const twins = await Promise.all([1, 2].map(() => log(run.id, batch, { 'idempotency-key': 'param-twin-1' })));
    expect(twins.map((r) => r.status)).toEqual([200, 200]);
    expect(twins.map((r) => r.body.duplicate).sort()).toEqual([false, true]);
    expect((await call(`/v1/runs/${run.id}`, { key: p.keys.read })).body.run.params).toEqual({ lr: '0.5', seed: '7' });
  });

  it('overwrites tags', async () => {
    const run = await newRun({ tags: { stage: 'a' } });
    await log(run.id, { tags: { stage: 'b' } });
    expect((await call(`/v1/runs/${run.id}`, { key: p.keys.read })).body.run.tags).toEqual({ stage: 'b' });
  });

  it('stores a batch sent twice with one Idempotency-Key once', async () => {
    const run = await newRun();
    const batch = { metrics: [{ key: 'loss', steps: [0, 1, 2], values: [3, 2, 1] }] };
    const first = await log(run.id, batch, { 'idempotency-key': 'batch-0001' });
    const again = await log(run.id, batch, { 'idempotency-key': 'batch-0001' });
    expect(first.body).toMatchObject({ duplicate: false, points: 3 });
    expect(again.body).toMatchObject({ duplicate: true });
    const twins = await Promise.all([1, 2, 3].map(() => log(run.id, batch, { 'idempotency-key': 'batch-0002' })));
    expect(twins.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    expect((await call(`/v1/runs/${run.id}`, { key: p.keys.read })).body.run.metrics.loss.count).toBe(6);
  });

  it('keeps Idempotency-Keys per run, apart from sync item ids', async () => {
    const [a, b] = [await newRun(), await newRun()];
    const batch = { metrics: [{ key: 'x', steps: [0], values: [1] }] };
    expect((await log(a.id, batch, { 'idempotency-key': 'shared-key-1' })).body.duplicate).toBe(false);
    expect((await log(b.id, batch, { 'idempotency-key': 'shared-key-1' })).body.duplicate).toBe(false);
    // A device cannot pre-empt a server-side batch by sending a sync item with the same id.
    const syncRun = crypto.randomUUID();
    await call('/v1/sync', { key: p.keys.device, json: { items: [{ id: 'log-key-0002', type: 'run.create', runId: syncRun, startTime: 1 }] } });
    expect((await log(a.id, batch, { 'idempotency-key': 'log-key-0002' })).body.duplicate).toBe(false);
  });

  it('keeps the latest metric by highest step, then timestamp, then value, whatever the arrival order', async () => {
    const run = await newRun();
    await log(run.id, { metrics: [{ key: 'acc', steps: [5, 1], values: [0.5, 0.1], timestamps: [100, 100] }] });
    await log(run.id, { metrics: [{ key: 'acc', steps: [3, 5], values: [0.9, 0.4], timestamps: [900, 100] }] });
    await log(run.id, { metrics: [{ key: 'acc', steps: [5], values: [0.45], timestamps: [200] }] });
    const m = (await call(`/v1/runs/${run.id}`, { key: p.keys.read })).body.run.metrics.acc;
    expect(m).toEqual({ value: 0.45, step: 5, timestamp: 200, min: 0.1, max: 0.9, count: 5 });
  });

  it('returns a metric history in step order, whole or downsampled with its spikes kept', async () => {
    const run = await newRun();
    const n = 5000;
    const steps = Array.from({ length: n }, (_, i) => i);
    const values = steps.map((i) => Math.sin(i / 100));
    values[2345] = 50; // a spike that must survive downsampling
    // Sent in two out-of-order halves: the history still comes back sorted.
    await log(run.id, { metrics: [{ key: 'wave', steps: steps.slice(2500), values: values.slice(2500) }] });
    await log(run.id, { metrics: [{ key: 'wave', steps: steps.slice(0, 2500), values: values.slice(0, 2500) }] });
    const whole = await call(`/v1/runs/${run.id}/metrics/wave`, { key: p.keys.read });
    expect(whole.body.total).toBe(n);
    expect(whole.body.steps).toEqual(steps);
    const small = await call(`/v1/runs/${run.id}/metrics/wave?maxPoints=100`, { key: p.keys.read });
    expect(small.body.steps.length).toBeLessThanOrEqual(100);
    expect(small.body.total).toBe(n);
    expect(Math.max(...small.body.values)).toBe(50);
    expect(Math.min(...small.body.values)).toBeCloseTo(Math.min(...values), 6);
    expect(small.body.steps[0]).toBe(0);
    expect(small.body.steps.at(-1)).toBe(n - 1);
    expect([...small.body.steps].sort((a: number, b: number) => a - b)).toEqual(small.body.steps);
  });

  it('serves several metrics of several runs in one call', async () => {
    const [a, b] = [await newRun(), await newRun()];
    for (const r of [a, b]) await log(r.id, { metrics: [{ key: 'x', steps: [0, 1], values: [1, 2] }, { key: 'y', steps: [0], values: [5] }] });
    const r = await call('/v1/metrics/series', { key: p.keys.read, json: { runIds: [a.id, b.id], keys: ['x', 'y'] } });
    expect(r.body.series.map((s: { runId: string; key: string; total: number }) => [s.runId, s.key, s.total])).toEqual([
      [a.id, 'x', 2],
      [a.id, 'y', 1],
      [b.id, 'x', 2],
      [b.id, 'y', 1],
    ]);
  });

  it('refuses columns of different lengths, naming the field', async () => {
    const run = await newRun();
    const r = await log(run.id, { metrics: [{ key: 'x', steps: [0, 1], values: [1] }] });
    expectError(r, 400, 'validation_failed');
    expect(r.body.error.details[0].path).toBe('metrics.0.values');
  });

  it('refuses params and tags over MLflow\'s limits', async () => {
    const run = await newRun();
    expectError(await log(run.id, { params: { k: 'x'.repeat(6001) } }), 400, 'validation_failed');
    expectError(await log(run.id, { tags: { ['k'.repeat(251)]: 'v' } }), 400, 'validation_failed');
    expect((await log(run.id, { tags: { long: 'x'.repeat(8000) } })).status).toBe(200);
  });

  it("does not let a key of another project log to a run", async () => {
    const run = await newRun();
    expectError(await call(`/v1/runs/${run.id}/log`, { key: other.keys.write, json: { tags: { a: 'b' } } }), 403, 'forbidden');
    expectError(await call(`/v1/runs/${run.id}/log`, { key: p.keys.read, json: { tags: { a: 'b' } } }), 403, 'forbidden');
  });
});

describe('metric history by step range', () => {
  interface Logged {
    steps: number[];
    values: number[];
    timestamps: number[];
  }

  /** What the hub must answer, worked out from the points this test logged: the range, then each bucket's min and max. */
  function oracle(logged: Logged, minStep: number, maxStep: number, maxPoints?: number) {
    const inRange = logged.steps.map((_, i) => i).filter((i) => logged.steps[i]! >= minStep && logged.steps[i]! <= maxStep);
    inRange.sort((a, b) => logged.steps[a]! - logged.steps[b]!);
    let kept = inRange;
    const n = inRange.length;
    if (maxPoints && n > maxPoints) {
      const buckets = Math.floor((maxPoints - 2) / 2);
      const picked = new Set([0, n - 1]);
      const value = (k: number) => logged.values[inRange[k]!]!;
      for (let b = 0; b < buckets; b++) {
        const [start, end] = [Math.floor((b * n) / buckets), Math.floor(((b + 1) * n) / buckets)];
        let [lo, hi] = [start, start];
        for (let k = start; k < end; k++) {
          if (value(k) < value(lo)) lo = k;
          if (value(k) > value(hi)) hi = k;
        }
        picked.add(lo).add(hi);
      }
      kept = [...picked].sort((a, b) => a - b).map((k) => inRange[k]!);
    }
    return { total: n, steps: kept.map((i) => logged.steps[i]), values: kept.map((i) => logged.values[i]), timestamps: kept.map((i) => logged.timestamps[i]) };
  }

  /** Logs points in batches (each a stored chunk), in the given batch order, and returns every point logged. */
  async function logInBatches(runId: string, key: string, batches: number[][]): Promise<Logged> {
    const all: Logged = { steps: [], values: [], timestamps: [] };
    for (const steps of batches) {
      // Distinct values (no ties), so each bucket's min and max are one point each.
      const values = steps.map((s) => Math.round(Math.sin(s / 997) * 1e6 + s * 1e-3) / 1e6 + (s % 7) * 1e-9);
      const timestamps = steps.map((s) => 1_700_000_000_000 + s * 10);
      expect((await log(runId, { metrics: [{ key, steps, values, timestamps }] })).status).toBe(200);
      all.steps.push(...steps);
      all.values.push(...values);
      all.timestamps.push(...timestamps);
    }
    return all;
  }

  const range = (from: number, count: number, stride = 1) => Array.from({ length: count }, (_, i) => from + i * stride);
  let runId: string;
  let long: Logged;
  beforeAll(async () => {
    runId = (await newRun()).id;
    // Five chunks of 8,000 points, steps 0, 3, 6, …, logged out of order.
    const chunks = range(0, 5).map((c) => range(c * 24_000, 8000, 3));
    long = await logInBatches(runId, 'long', [3, 0, 4, 1, 2].map((c) => chunks[c]!));
  });

  it('returns exactly the points with minStep ≤ step ≤ maxStep across the chunks that hold them', async () => {
    for (const [minStep, maxStep] of [
      [10_001, 60_000],
      [0, 0],
      [23_997, 24_000],
      [-50, 2],
      [119_997, 500_000],
    ] as const) {
      const r = await call(`/v1/runs/${runId}/metrics/long?minStep=${minStep}&maxStep=${maxStep}`, { key: p.keys.read });
      expect(r.status).toBe(200);
      expect({ total: r.body.total, steps: r.body.steps, values: r.body.values, timestamps: r.body.timestamps }, `${minStep}..${maxStep}`).toEqual(oracle(long, minStep, maxStep));
    }
  });

  it('downsamples a step range to maxPoints, keeping its first and last points and each bucket\'s min and max', async () => {
    const r = await call(`/v1/runs/${runId}/metrics/long?minStep=10001&maxStep=90000&maxPoints=500`, { key: p.keys.read });
    const expected = oracle(long, 10_001, 90_000, 500);
    expect(expected.total).toBeGreaterThan(20_000);
    expect(r.body.steps.length).toBeLessThanOrEqual(500);
    expect(r.body.steps[0]).toBe(10_002);
    expect(r.body.steps.at(-1)).toBe(90_000);
    expect({ total: r.body.total, steps: r.body.steps, values: r.body.values, timestamps: r.body.timestamps }).toEqual(expected);
  });

  it('reads an open-ended range: only minStep, or only maxStep', async () => {
    const from = await call(`/v1/runs/${runId}/metrics/long?minStep=100000`, { key: p.keys.read });
    expect(from.body.steps).toEqual(oracle(long, 100_000, Infinity).steps);
    const upTo = await call(`/v1/runs/${runId}/metrics/long?maxStep=30&maxPoints=4`, { key: p.keys.read });
    expect(upTo.body).toMatchObject(oracle(long, -Infinity, 30, 4));
  });

  it('applies one step range to every series of a series request, also where chunks interleave', async () => {
    const other = (await newRun()).id;
    // Even and odd steps in two chunks whose step spans overlap.
    const zig = await logInBatches(other, 'zig', [range(0, 300, 2), range(1, 300, 2)]);
    const r = await call('/v1/metrics/series', { key: p.keys.read, json: { runIds: [runId, other], keys: ['long', 'zig'], minStep: 101, maxStep: 220 } });
    expect(r.status).toBe(200);
    const shape = (s: { runId: string; key: string; total: number; steps: number[]; values: number[]; timestamps: number[] }) => [s.runId, s.key, { total: s.total, steps: s.steps, values: s.values, timestamps: s.timestamps }];
    expect(r.body.series.map(shape)).toEqual([
      [runId, 'long', oracle(long, 101, 220)],
      [runId, 'zig', { total: 0, steps: [], values: [], timestamps: [] }],
      [other, 'long', { total: 0, steps: [], values: [], timestamps: [] }],
      [other, 'zig', oracle(zig, 101, 220)],
    ]);
    expect(r.body.series[3].steps).toEqual(range(101, 120));
    const small = await call('/v1/metrics/series', { key: p.keys.read, json: { runIds: [other], keys: ['zig'], minStep: 10, maxStep: 400, maxPoints: 50 } });
    expect(small.body.series[0]).toMatchObject(oracle(zig, 10, 400, 50));
  });

  it('refuses a reversed, fractional, infinite or non-numeric step range with a 400 naming the field', async () => {
    const get = (query: string) => call(`/v1/runs/${runId}/metrics/long?${query}`, { key: p.keys.read });
    const bad = [
      ['minStep=10&maxStep=9', 'minStep', /greater than maxStep/],
      ['minStep=1.5', 'minStep', /whole number/],
      ['maxStep=Infinity', 'maxStep', /whole number/],
      ['maxStep=ten', 'maxStep', /whole number/],
      ['minStep=&maxStep=5', 'minStep', /whole number/],
      ['minStep=1&maxPoints=1', 'maxPoints', /at least 2/],
    ] as const;
    for (const [query, field, message] of bad) {
      const r = await get(query);
      expectError(r, 400, 'validation_failed');
      expect(r.body.error.details, query).toEqual([{ path: field, message: expect.stringMatching(message) }]);
      expect(r.body.error.message).toContain(field);
    }
    const posted = await call('/v1/metrics/series', { key: p.keys.read, json: { runIds: [runId], keys: ['long'], minStep: 5, maxStep: 4.5 } });
    expectError(posted, 400, 'validation_failed');
    expect(posted.body.error.details.map((d: { path: string }) => d.path)).toEqual(['maxStep']);
    const reversed = await call('/v1/metrics/series', { key: p.keys.read, json: { runIds: [runId], keys: ['long'], minStep: 5, maxStep: 4 } });
    expect(reversed.body.error.details).toEqual([{ path: 'minStep', message: 'must not be greater than maxStep' }]);
  });

  it('documents minStep, maxStep and maxPoints in /openapi.json', async () => {
    const doc = (await call('/openapi.json')).body;
    const query = doc.paths['/v1/runs/{id}/metrics/{key}'].get.parameters.filter((q: { in: string }) => q.in === 'query');
    expect(query.map((q: { name: string; schema: { type: string } }) => [q.name, q.schema.type])).toEqual([
      ['maxPoints', 'integer'],
      ['minStep', 'integer'],
      ['maxStep', 'integer'],
    ]);
    const body = doc.paths['/v1/metrics/series'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(['minStep', 'maxStep', 'maxPoints']));
  });
});

describe('artifacts', () => {
  it('attaches uploaded blobs at paths and lists folders', async () => {
    const run = await newRun();
    const bytes = randomBytes(100);
    const digest = `sha256:${await sha256Hex(bytes)}`;
    const missing = await call(`/v1/runs/${run.id}/artifacts`, { key: p.keys.write, method: 'PUT', json: { path: 'model/model.onnx', digest } });
    expectError(missing, 409, 'conflict');
    await call(`/v1/blobs/${digest}`, { key: p.keys.write, method: 'PUT', body: bytes });
    for (const path of ['model/model.onnx', 'model/sub/weights.bin', 'report.html']) {
      expect((await call(`/v1/runs/${run.id}/artifacts`, { key: p.keys.write, method: 'PUT', json: { path, digest } })).status).toBe(200);
    }
    const root = await call(`/v1/runs/${run.id}/artifacts`, { key: p.keys.read });
    expect(root.body.files).toEqual([
      { path: 'model', isDir: true, size: null, digest: null },
      { path: 'report.html', isDir: false, size: 100, digest },
    ]);
    const sub = await call(`/v1/runs/${run.id}/artifacts?path=model`, { key: p.keys.read });
    expect(sub.body.files.map((f: { path: string }) => f.path)).toEqual(['model/sub', 'model/model.onnx']);
    for (const path of ['../x', 'a/../../x', '/etc/passwd', 'model\\..\\..\\evil']) {
      expectError(await call(`/v1/runs/${run.id}/artifacts`, { key: p.keys.write, method: 'PUT', json: { path, digest } }), 400, 'validation_failed');
    }
  });
});

describe('binary metrics frames', () => {
  const frameLog = (runId: string, bytes: Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}) =>
    call(`/v1/runs/${runId}/log`, { key: p.keys.write, method: 'POST', body: bytes, headers: { 'content-type': METRICS_FRAME_TYPE, ...headers } });

  it('logs points, params and tags from a frame, across several stored chunks, exactly as JSON would', async () => {
    const run = await newRun();
    const n = 20_000; // more than one stored chunk (16,384 points), so chunks start at offsets inside the frame
    const steps = Float64Array.from({ length: n }, (_, i) => i);
    const values = steps.map((i) => Math.cos(i / 7) * 0.1 + 0.30000000000000004);
    const frame = encodeMetricsFrame({ metrics: [{ key: 'loss', steps, values, timestamps: steps.map((i) => 1_700_000_000_000 + i) }], params: { lr: '0.1' }, tags: { via: 'frame' } });
    const r = await frameLog(run.id, frame, { 'idempotency-key': 'frame-0001' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ duplicate: false, params: 1, tags: 1, points: n });
    expect((await frameLog(run.id, frame, { 'idempotency-key': 'frame-0001' })).body.duplicate).toBe(true);
    const got = (await call(`/v1/runs/${run.id}`, { key: p.keys.read })).body.run;
    expect(got.params).toEqual({ lr: '0.1' });
    expect(got.tags).toEqual({ via: 'frame' });
    expect(got.metrics.loss).toEqual({ value: values[n - 1], step: n - 1, timestamp: 1_700_000_000_000 + n - 1, min: Math.min(...values), max: Math.max(...values), count: n });
    const series = await call(`/v1/runs/${run.id}/metrics/loss`, { key: p.keys.read });
    expect(series.body.values).toEqual(Array.from(values));
    expect(series.body.steps).toEqual(Array.from(steps));
  });

  it('refuses a malformed frame and a non-finite value with 400, storing nothing', async () => {
    const run = await newRun();
    const garbage = await frameLog(run.id, new TextEncoder().encode('not a frame at all'));
    expectError(garbage, 400, 'validation_failed');
    expect(garbage.body.error.message).toContain('OPM1');
    const nan = encodeMetricsFrame({ metrics: [{ key: 'acc', steps: Float64Array.of(0, 1), values: Float64Array.of(1, Number.NaN) }] });
    const r = await frameLog(run.id, nan);
    expectError(r, 400, 'validation_failed');
    expect(r.body.error.message).toContain('"acc"');
    expect((await call(`/v1/runs/${run.id}`, { key: p.keys.read })).body.run.metrics).toEqual({});
  });
});
