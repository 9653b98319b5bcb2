import { describe, expect } from 'vitest';
import { encodeMetricsFrame, METRICS_FRAME_TYPE } from '../../../shared/metrics-frame.js';
import { call, expectError, sha256Hex, type TestProject } from '../../helpers/client.js';
import { test as it } from '../../helpers/fixtures.js';
import { reportFigures } from '../../helpers/telemetry.js';

// One key must not be able to stall or crash the hub (docs/hardening.md): each class of the audit, with the input
// that once took minutes, a gigabyte or a 500. Time bounds are generous: a regression takes minutes, not seconds.

const mlflow = (p: TestProject, endpoint: string, json: unknown) => call(`/api/2.0/mlflow/${endpoint}`, { key: p.keys.write, json });
const timed = async <T>(f: () => Promise<T>) => {
  const start = performance.now();
  const value = await f();
  return { value, ms: performance.now() - start };
};

/** SQL LIKE by dynamic programming: slow but obviously right, the oracle for the hub's answers. */
function likeOracle(text: string, pattern: string): boolean {
  const t = Array.from(text);
  const p = Array.from(pattern);
  let row = Array.from({ length: t.length + 1 }, (_, j) => j === 0);
  for (const ch of p) {
    const next = Array.from({ length: t.length + 1 }, () => false);
    next[0] = ch === '%' && row[0]!;
    for (let j = 1; j <= t.length; j++) next[j] = ch === '%' ? row[j]! || next[j - 1]! : (ch === '_' || ch === t[j - 1]) && row[j - 1]!;
    row = next;
  }
  return row[t.length]!;
}

describe('user patterns match in linear time', () => {
  it('answers backtracking LIKE patterns on long experiment names fast and correctly', async ({ project: p }) => {
    const prefix = Math.random().toString(36).slice(2, 8);
    const names = [`${prefix}${'a'.repeat(490)}`, `${prefix}${'a'.repeat(480)}b`, `${prefix}${'ab'.repeat(240)}!`];
    for (const name of names) expect((await mlflow(p, 'experiments/create', { name })).status).toBe(200);
    for (const pattern of [`${prefix}%a%a%a%a%a%a%b`, `${prefix}%_%_%_%_%_%_%!`, `${prefix}%a_b%`, `${prefix}a%`]) {
      const { value: r, ms } = await timed(() => mlflow(p, 'experiments/search', { filter: `name LIKE '${pattern}'`, max_results: 100 }));
      expect(r.status, r.text).toBe(200);
      expect(ms, pattern).toBeLessThan(2000);
      const found = (r.body.experiments ?? []).map((e: { name: string }) => e.name).sort();
      expect(found, pattern).toEqual(names.filter((n) => likeOracle(n, pattern)).sort());
    }
  });

  it('answers backtracking LIKE and ILIKE patterns on registered model names and tags fast and correctly', async ({ project: p }) => {
    const names = ['a'.repeat(127), `${'A'.repeat(126)}b`];
    for (const name of names) expect((await mlflow(p, 'registered-models/create', { name, tags: [{ key: 'note', value: `${'a'.repeat(7000)}!` }] })).status).toBe(200);
    for (const [filter, expected] of [
      ["name LIKE '%_%_%_%_%_%_%!'", []],
      ["name ILIKE '%a%a%a%a%a%a%b'", [names[1]]],
      ["tags.note LIKE '%a%a%a%a%a%a%!'", names],
      ["tags.note LIKE '%_%_%_%_%_%_%b'", []],
    ] as const) {
      const { value: r, ms } = await timed(() => call(`/api/2.0/mlflow/registered-models/search?${new URLSearchParams({ filter })}`, { key: p.keys.read }));
      expect(r.status, r.text).toBe(200);
      expect(ms, filter).toBeLessThan(2000);
      expect((r.body.registered_models ?? []).map((m: { name: string }) => m.name).sort(), filter).toEqual([...expected].sort());
    }
  });

  it('answers backtracking LIKE patterns in run search fast and correctly', async ({ project: p }) => {
    const experimentId = (await call('/v1/experiments', { key: p.keys.write, json: { name: 'like' } })).body.experiment.id;
    const run = (await call('/v1/runs', { key: p.keys.write, json: { experimentId, tags: { note: 'a'.repeat(7999) } } })).body.run;
    for (const [filter, hit] of [["tags.note LIKE '%a%a%a%a%a%a%b'", false], ["tags.note ILIKE '%_%_%_%_%_%_%a'", true]] as const) {
      const { value: r, ms } = await timed(() => call('/v1/runs/search', { key: p.keys.read, json: { experimentIds: [experimentId], filter } }));
      expect(r.status, r.text).toBe(200);
      expect(ms, filter).toBeLessThan(2000);
      expect(r.body.runs.map((x: { id: string }) => x.id)).toEqual(hit ? [run.id] : []);
    }
  });

  it('refuses a LIKE pattern longer than the limit with a 400 naming it', async ({ project: p }) => {
    const r = await mlflow(p, 'experiments/search', { filter: `name LIKE '${'%a'.repeat(600)}'` });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/at most 1000 characters/);
  });
});

describe('series reads have a budget checked before any work', () => {
  async function runWithLoss(p: TestProject, experimentId: string) {
    const run = (await call('/v1/runs', { key: p.keys.write, json: { experimentId } })).body.run;
    const log = await call(`/v1/runs/${run.id}/log`, { key: p.keys.write, json: { metrics: [{ key: 'loss', steps: [0, 1, 2], values: [3, 2, 1] }] } });
    expect(log.status, log.text).toBe(200);
    return run.id as string;
  }

  it('reads a repeated run or key once', async ({ project: p }) => {
    const experimentId = (await call('/v1/experiments', { key: p.keys.write, json: { name: 'dupes' } })).body.experiment.id;
    const id = await runWithLoss(p, experimentId);
    const r = await call('/v1/metrics/series', { key: p.keys.read, json: { runIds: Array(100).fill(id), keys: Array(100).fill('loss') } });
    expect(r.status, r.text).toBe(200);
    expect(r.body.series).toHaveLength(1);
    expect(r.body.series[0]).toMatchObject({ runId: id, key: 'loss', total: 3, values: [3, 2, 1] });
  });

  it('refuses more series than the budget with a 400 naming the limit', async ({ project: p }) => {
    const experimentId = (await call('/v1/experiments', { key: p.keys.write, json: { name: 'fan-out' } })).body.experiment.id;
    const ids = [];
    for (let i = 0; i < 11; i++) ids.push(await runWithLoss(p, experimentId));
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
    const r = await call('/v1/metrics/series', { key: p.keys.read, json: { runIds: ids, keys } });
    expectError(r, 400, 'bad_request');
    expect(r.body.error.message).toMatch(/1100 series; one request reads at most 1000/);
  });
});

describe('feature reads have a budget of values', () => {
  it('refuses an online read of more entity rows × features than the budget with a 400 naming it', async ({ project: p }) => {
    const schema = Array.from({ length: 200 }, (_, i) => ({ name: `f${i}`, dtype: 'float64' }));
    const doc = { entities: [{ name: 'user', join_keys: ['user_id'], value_type: 'int64' }], feature_views: [{ name: 'wide', entities: ['user'], ttl: 0, online: true, schema, source: { push: 'wide_push' } }] };
    const applied = await call('/v1/features/apply', { key: p.keys.admin, json: doc });
    expect(applied.status, applied.text).toBe(200);
    const features = schema.map((f) => `wide:${f.name}`);
    const ids = (n: number) => Array.from({ length: n }, (_, i) => i);
    const over = await call('/feast/get-online-features', { key: p.keys.read, json: { entities: { user_id: ids(5001) }, features } });
    expectError(over, 400, 'bad_request');
    expect(over.body.error.message).toMatch(/1000200 values; one online read returns at most 1000000/);
    const under = await call('/feast/get-online-features', { key: p.keys.read, json: { entities: { user_id: ids(10) }, features } });
    expect(under.status, under.text).toBe(200);
    expect(under.body.results).toHaveLength(10);
    expect(under.body.metadata.feature_names).toHaveLength(201);
  });
});

describe('sizes announced by the sender are checked before allocating', () => {
  /** A frame whose header says anything, padded as the format wants, with `floats` float64 values after it. */
  function frame(header: unknown, floats = 0) {
    const raw = new TextEncoder().encode(JSON.stringify(header));
    const headLength = Math.ceil(raw.length / 8) * 8;
    const out = new Uint8Array(8 + headLength + floats * 8).fill(0x20, 8, 8 + headLength);
    new DataView(out.buffer).setUint32(0, 0x314d504f, true);
    new DataView(out.buffer).setUint32(4, headLength, true);
    out.set(raw, 8);
    return out;
  }
  const send = (p: TestProject, runId: string, body: Uint8Array<ArrayBuffer>) => call(`/v1/runs/${runId}/log`, { key: p.keys.write, body, headers: { 'content-type': METRICS_FRAME_TYPE } });

  it('refuses a 72-byte frame announcing 5e8 points, and frame headers of the wrong shape, with 400s', async ({ project: p }) => {
    const experimentId = (await call('/v1/experiments', { key: p.keys.write, json: { name: 'frames' } })).body.experiment.id;
    const run = (await call('/v1/runs', { key: p.keys.write, json: { experimentId } })).body.run;
    const huge = frame({ metrics: [{ key: 'l', count: 5e8, steps: [0, 1] }] });
    expect(huge.byteLength).toBeLessThanOrEqual(72);
    const r = await send(p, run.id, huge);
    expectError(r, 400, 'validation_failed');
    expect(r.body.error.message).toMatch(/shorter than its header says/);
    for (const header of [null, [], 'x', { metrics: {} }, { metrics: [null] }, { metrics: [{ key: 'a', count: 1, steps: 'no' }] }, { metrics: [{ key: 'a', count: 1.5 }] }]) {
      expectError(await send(p, run.id, frame(header, 2)), 400, 'validation_failed');
    }
    const good = await send(p, run.id, encodeMetricsFrame({ metrics: [{ key: 'loss', steps: Float64Array.from([0, 1, 2]), values: Float64Array.from([1, 2, 3]) }] }));
    expect(good.status, good.text).toBe(200);
    expect(good.body.points).toBe(3);
  });

  it('refuses tfjs model.json files of the wrong shape with a 400, not a 500', async ({ project: p }) => {
    await call('/v1/models', { key: p.keys.write, json: { name: 'tfjs-bad' } });
    const topologies = [{ config: { layers: 'abc' } }, { config: { layers: [null] } }, { config: [1, 2] }, { config: { layers: [{ name: 'a' }], input_layers: [1], output_layers: [2] } }, 'x'];
    for (const modelTopology of topologies) {
      const bytes = new TextEncoder().encode(JSON.stringify({ modelTopology, weightsManifest: [] }));
      const digest = `sha256:${await sha256Hex(bytes)}`;
      expect((await call(`/v1/blobs/${digest}`, { key: p.keys.write, method: 'PUT', body: bytes })).status).toBeLessThan(300);
      const r = await call('/v1/models/tfjs-bad/versions', { key: p.keys.write, json: { format: 'tfjs-layers', files: [{ path: 'model.json', digest, size: bytes.byteLength }] } });
      expectError(r, 400, 'bad_request');
      expect(r.body.error.message).toMatch(/signature/);
    }
  });
});

describe('aggregates never overflow into a 500', () => {
  it('refuses telemetry counts beyond the per-report bound, and reads stay answerable', async ({ project: p }) => {
    expect((await call('/v1/models', { key: p.keys.write, json: { name: 'counted', devices: true } })).status).toBe(201);
    const T0 = 1_700_000_040_000;
    const item = (count: number) => ({ id: crypto.randomUUID(), type: 'telemetry', model: 'counted', version: 1, backend: 'wasm', deviceId: 'd1', periodStart: T0, periodEnd: T0 + 60_000, ...reportFigures([]), count, errors: 0, latency: { histogram: {}, sumMs: 0, minMs: 0, maxMs: 0 } });
    const huge = await call('/v1/sync', { key: p.keys.device, json: { items: [item(2 ** 53 - 1), item(2 ** 53 - 1)] } });
    expect(huge.status, huge.text).toBe(200);
    expect(huge.body.results.map((r: { status: string }) => r.status)).toEqual(['rejected', 'rejected']);
    expect(huge.body.results[0].error.message).toMatch(/count/);
    const fine = await call('/v1/sync', { key: p.keys.device, json: { items: [item(1_000_000_000), item(1_000_000_000)] } });
    expect(fine.body.results.map((r: { status: string }) => r.status)).toEqual(['applied', 'applied']);
    const read = await call(`/v1/telemetry?model=counted&since=${T0 - 3_600_000}&until=${T0 + 3_600_000}`, { key: p.keys.read });
    expect(read.status, read.text).toBe(200);
    expect(read.body.series[0].count).toBe(2_000_000_000);
  });
});

describe('malformed input is a 4xx', () => {
  it('answers 100k-deep nested arrays with a 400 on MLflow and /v1 routes', async ({ project: p }) => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const headers = { 'content-type': 'application/json' };
    for (const [path, body] of [
      ['/api/2.0/mlflow/experiments/create', `{"name":${deep}}`],
      ['/api/2.0/mlflow/runs/search', `{"experiment_ids":${deep}}`],
      ['/v1/experiments', `{"name":${deep}}`],
      ['/feast/push', `{"push_source_name":"x","df":{"a":${deep}}}`],
    ] as const) {
      const r = await call(path, { key: p.keys.write, method: 'POST', body, headers });
      expect(r.status, `${path}: ${r.text.slice(0, 300)}`).toBe(path.startsWith('/feast') ? r.status : 400);
      expect(r.status, `${path}: ${r.text.slice(0, 300)}`).toBeLessThan(500);
      expect(r.text.length).toBeLessThan(5000);
    }
  });

  it('answers filters with thousands of nested parentheses with a 400 naming the depth limit', async ({ project: p }) => {
    const experimentId = (await call('/v1/experiments', { key: p.keys.write, json: { name: 'parens' } })).body.experiment.id;
    const filter = `${'('.repeat(5000)}tags.a = 'x'${')'.repeat(5000)}`;
    const r = await call('/v1/runs/search', { key: p.keys.read, json: { experimentIds: [experimentId], filter } });
    expectError(r, 400, 'bad_request');
    expect(r.body.error.message).toMatch(/nest more than 32 deep/);
    const m = await call('/api/2.0/mlflow/runs/search', { key: p.keys.read, json: { experiment_ids: [experimentId], filter } });
    expect(m.status).toBe(400);
    const shallow = await call('/v1/runs/search', { key: p.keys.read, json: { experimentIds: [experimentId], filter: `${'('.repeat(30)}tags.a = 'x'${')'.repeat(30)}` } });
    expect(shallow.status, shallow.text).toBe(200);
  });

  it('answers forged page tokens with a 400', async ({ project: p }) => {
    const experimentId = (await call('/v1/experiments', { key: p.keys.write, json: { name: 'tokens' } })).body.experiment.id;
    for (let i = 0; i < 3; i++) await call('/v1/runs', { key: p.keys.write, json: { experimentId } });
    const first = await call('/v1/runs/search', { key: p.keys.read, json: { experimentIds: [experimentId], limit: 1 } });
    const token = JSON.parse(Buffer.from(first.body.nextPageToken, 'base64url').toString());
    for (const forged of [{ ...token, v: [{ x: 1 }] }, { ...token, v: [[1]] }, { ...token, v: 'x' }, { ...token, id: 5 }, 'null', 42]) {
      const pageToken = Buffer.from(typeof forged === 'string' ? forged : JSON.stringify(forged)).toString('base64url');
      const r = await call('/v1/runs/search', { key: p.keys.read, json: { experimentIds: [experimentId], limit: 1, pageToken } });
      expectError(r, 400, 'bad_request');
    }
  });

  it('answers 400-digit version numbers with a 4xx', async ({ project: p }) => {
    await call('/v1/models', { key: p.keys.write, json: { name: 'digits400' } });
    const n = '9'.repeat(400);
    for (const path of [`/v1/models/digits400/versions/${n}`, `/v1/models/digits400/versions/${n}/manifest`, `/v1/models/digits400%2F${n}/manifest`]) {
      const r = await call(path, { key: p.keys.read });
      expect(r.status, `${path}: ${r.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
    const m = await call(`/api/2.0/mlflow/model-versions/get?${new URLSearchParams({ name: 'digits400', version: n })}`, { key: p.keys.read });
    expect(m.status, m.text.slice(0, 200)).toBeGreaterThanOrEqual(400);
    expect(m.status).toBeLessThan(500);
  });

  it('answers a 160 KB invalid MLflow body with a 400 in linear time', async ({ project: p }) => {
    for (const body of ['"'.repeat(160_000), 'NaN '.repeat(40_000), `{"name":"${'\\"'.repeat(80_000)}`, `${'-Infinity,'.repeat(16_000)}`]) {
      const { value: r, ms } = await timed(() => call('/api/2.0/mlflow/experiments/create', { key: p.keys.write, method: 'POST', body, headers: { 'content-type': 'application/json' } }));
      expect(r.status).toBe(400);
      expect(ms).toBeLessThan(2000);
    }
  });
});
