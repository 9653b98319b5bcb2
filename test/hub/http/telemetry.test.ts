import { describe, expect } from 'vitest';
import { LATENCY_GROWTH } from '../../../shared/telemetry/histogram.js';
import { call, expectError, type TestProject } from '../../helpers/client.js';
import { test } from '../../helpers/fixtures.js';
import { reportFigures } from '../../helpers/telemetry.js';

/** Each test's own project with three models exposed to devices and one that is not. */
const it = test.extend<{ p: TestProject }>({
  p: async ({ project: p }, use) => {
    for (const name of ['vad', 'digits', 'clock']) expect((await call('/v1/models', { key: p.keys.write, json: { name, devices: true } })).status).toBe(201);
    expect((await call('/v1/models', { key: p.keys.write, json: { name: 'private' } })).status).toBe(201);
    await use(p);
  },
});

const HOUR = 3_600_000;
/** A fixed past hour, so every window below is exact. */
const T0 = Math.floor(1_700_000_000_000 / HOUR) * HOUR;

const sync = (p: TestProject, items: unknown[], key = p.keys.device) => call('/v1/sync', { key, json: { items } });
const statuses = (r: { body: { results: Array<{ status: string }> } }) => r.body.results.map((x) => x.status);
const telemetry = (p: TestProject, query: string, key = p.keys.read) => call(`/v1/telemetry?${query}`, { key });

/** A device's report of the given run latencies (and failures) in one period. */
function report(model: string, deviceId: string, latencies: number[], extra: Record<string, unknown> = {}) {
  return {
    id: crypto.randomUUID(),
    type: 'telemetry',
    model,
    version: 1,
    backend: 'wasm',
    deviceId,
    periodStart: T0,
    periodEnd: T0 + 60_000,
    ...reportFigures(latencies, (extra.errors as number | undefined) ?? 0),
    ...extra,
  };
}

const exactQuantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.ceil(q * xs.length) - 1]!;
const window = `since=${T0}&until=${T0 + 4 * HOUR}`;

describe('device telemetry', () => {
  it('applies a report once: a retried batch changes nothing', async ({ p }) => {
    const items = [report('vad', 'phone-1', [10, 12, 14]), report('vad', 'phone-1', [20], { periodStart: T0 + 60_000, periodEnd: T0 + 120_000 })];
    expect(statuses(await sync(p, items))).toEqual(['applied', 'applied']);
    expect(statuses(await sync(p, items))).toEqual(['duplicate', 'duplicate']);
    const [series] = (await telemetry(p, `model=vad&${window}`)).body.series;
    expect(series).toMatchObject({ model: 'vad', version: 1, backend: 'wasm', count: 4, errors: 0, devices: 1, meanMs: 14 });
  });

  it('counts a report once when two identical batches arrive at the same time', async ({ p }) => {
    const items = [report('clock', 'tab-1', [5, 6]), report('clock', 'tab-2', [7], { errors: 1, lastError: 'out of memory' })];
    const replies = await Promise.all([sync(p, items), sync(p, items)]);
    for (const i of [0, 1]) expect(replies.map((r) => r.body.results[i].status).sort()).toEqual(['applied', 'duplicate']);
    const [series] = (await telemetry(p, `model=clock&${window}`)).body.series;
    expect(series).toMatchObject({ count: 4, errors: 1, devices: 2, lastError: 'out of memory' });
  });

  it('merges two devices: count, errors, distinct devices, mean, and p50/p95 within one histogram bucket', async ({ p }) => {
    const a = Array.from({ length: 200 }, (_, i) => 4 + (i % 50) * 0.2); // 4–13.8 ms
    const b = Array.from({ length: 100 }, (_, i) => 30 + i); // 30–129 ms
    const items = [
      report('digits', 'laptop', a.slice(0, 100)),
      report('digits', 'laptop', a.slice(100), { periodStart: T0 + 90_000, periodEnd: T0 + 150_000 }),
      report('digits', 'phone', b, { errors: 3, lastError: 'webgpu device lost' }),
    ];
    expect(statuses(await sync(p, items))).toEqual(['applied', 'applied', 'applied']);
    const [series] = (await telemetry(p, `model=digits&${window}`)).body.series;
    const all = [...a, ...b];
    expect(series).toMatchObject({ count: 303, errors: 3, devices: 2, lastSeen: T0 + 150_000, lastError: 'webgpu device lost' });
    expect(series.meanMs).toBeCloseTo(all.reduce((s, x) => s + x, 0) / all.length, 2);
    for (const [q, field] of [[0.5, 'p50Ms'], [0.95, 'p95Ms']] as const) {
      const exact = exactQuantile(all, q);
      expect(series[field]).toBeGreaterThanOrEqual(exact / LATENCY_GROWTH);
      expect(series[field]).toBeLessThanOrEqual(exact * LATENCY_GROWTH);
    }
  });

  it('averages latency over the timed runs only, like the percentiles', async ({ p }) => {
    await call('/v1/models', { key: p.keys.write, json: { name: 'untimed', devices: true } });
    expect(statuses(await sync(p, [report('untimed', 'd', [4, 6], { count: 5, errors: 1 })]))).toEqual(['applied']);
    const [series] = (await telemetry(p, `model=untimed&${window}`)).body.series;
    expect(series).toMatchObject({ count: 5, errors: 1, meanMs: 5 });
  });

  it('rejects a bad report alone, naming the field, and applies the rest', async ({ p }) => {
    const r = await sync(p, [
      report('ghost', 'd', [1]),
      report('vad', 'd', [1], { periodStart: T0 + 5000, periodEnd: T0 }),
      report('vad', 'd', [1], { count: 2, errors: 3 }),
      report('vad', 'd', [1, 2, 3], { count: 2 }),
      report('vad', 'd', [1], { backend: 'tpu' }),
      report('private', 'd', [1]),
      report('vad', 'late-phone', [1], { periodStart: T0 + 3 * HOUR, periodEnd: T0 + 3 * HOUR }),
    ]);
    expect(statuses(r)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'rejected', 'rejected', 'applied']);
    const messages = r.body.results.slice(0, 6).map((x: { error: { message: string } }) => x.error.message);
    expect(messages[0]).toMatch(/^model: .*"ghost"/);
    expect(messages[1]).toMatch(/^periodEnd: /);
    expect(messages[2]).toMatch(/^errors: /);
    expect(messages[3]).toMatch(/^latency\.histogram: /);
    expect(messages[4]).toMatch(/^backend: /);
    // A publishable key sees only models exposed to devices; a secret key may report on any of the project's models.
    expect(messages[5]).toMatch(/^model: .*"private"/);
    expect(statuses(await sync(p, [report('private', 'server', [3])], p.keys.write))).toEqual(['applied']);
  });

  it('answers points per bucket, aligned to the bucket, inside the window only', async ({ p }) => {
    const at = (minute: number, latencies: number[]) =>
      report('vad', 'bucket-dev', latencies, { backend: 'webgpu', version: 2, periodStart: T0 + minute * 60_000, periodEnd: T0 + minute * 60_000 + 30_000 });
    expect(statuses(await sync(p, [at(0, [2]), at(30, [4, 4]), at(61, [8]), at(200, [16])]))).toEqual(['applied', 'applied', 'applied', 'applied']);

    const hourly = await telemetry(p, `model=vad&since=${T0}&until=${T0 + 2 * HOUR}`);
    expect(hourly.status).toBe(200);
    expect(hourly.body).toMatchObject({ since: T0, until: T0 + 2 * HOUR, bucket: HOUR });
    const gpu = hourly.body.series.find((s: { backend: string; version: number }) => s.backend === 'webgpu' && s.version === 2);
    expect(gpu.points.map((pt: { t: number; count: number }) => [pt.t, pt.count])).toEqual([
      [T0, 3],
      [T0 + HOUR, 1],
    ]);
    expect(gpu.count).toBe(4); // minute 200 is outside the window
    expect(gpu.points[0].meanMs).toBeCloseTo(10 / 3, 2);

    const minutes = await telemetry(p, `model=vad&since=${T0}&until=${T0 + 2 * HOUR}&bucket=60000`);
    const perMinute = minutes.body.series.find((s: { backend: string }) => s.backend === 'webgpu');
    expect(perMinute.points.map((pt: { t: number }) => (pt.t - T0) / 60_000)).toEqual([0, 30, 61]);

    // The bucket aligns to its own multiples, not to `since`.
    const offset = await telemetry(p, `model=vad&since=${T0 + 45 * 60_000}&until=${T0 + 2 * HOUR}`);
    expect(offset.body.series.find((s: { backend: string }) => s.backend === 'webgpu').points.map((pt: { t: number }) => pt.t)).toEqual([T0 + HOUR]);

    // Without a model filter every model of the project is there, one series per (model, version, backend).
    expect(statuses(await sync(p, [report('clock', 'd', [1]), report('digits', 'd', [1]), report('vad', 'd', [1])]))).toEqual(['applied', 'applied', 'applied']);
    expect(statuses(await sync(p, [report('private', 'server', [1])], p.keys.write))).toEqual(['applied']);
    const everything = (await telemetry(p, window)).body.series.map((s: { model: string; version: number; backend: string }) => `${s.model}/${s.version}/${s.backend}`);
    expect(everything.sort()).toEqual(['clock/1/wasm', 'digits/1/wasm', 'private/1/wasm', 'vad/1/wasm', 'vad/2/webgpu']);
  });

  it('refuses a window with too many points or reversed, an unknown model, and publishable keys', async ({ p }) => {
    const tooFine = await telemetry(p, `since=${T0}&until=${T0 + 30 * 24 * HOUR}&bucket=60000`);
    expectError(tooFine, 400, 'validation_failed');
    expect(tooFine.body.error.message).toContain('bucket');
    expect(tooFine.body.error.message).toContain('at least');
    const reversed = await telemetry(p, `since=${T0 + HOUR}&until=${T0}`);
    expectError(reversed, 400, 'validation_failed');
    expect(reversed.body.error.message).toContain('since');
    expectError(await telemetry(p, 'bucket=10'), 400, 'validation_failed');
    expectError(await telemetry(p, 'model=ghost'), 404, 'not_found');
    expectError(await telemetry(p, '', p.keys.device), 403, 'forbidden');
    const recent = await telemetry(p, '');
    expect(recent.status).toBe(200);
    expect(recent.body.until - recent.body.since).toBe(24 * HOUR);
    expect((await call('/openapi.json')).body.paths['/v1/telemetry'].get).toBeDefined();
  });

  it("forgets a deleted model's telemetry: a new model of the same name starts empty", async ({ p }) => {
    await call('/v1/models', { key: p.keys.write, json: { name: 'short-lived', devices: true } });
    expect(statuses(await sync(p, [report('short-lived', 'd', [3])]))).toEqual(['applied']);
    expect((await telemetry(p, `model=short-lived&${window}`)).body.series).toHaveLength(1);
    const deleted = await call('/api/2.0/mlflow/registered-models/delete', { key: p.keys.write, method: 'DELETE', json: { name: 'short-lived' } });
    expect(deleted.status).toBe(200);
    await call('/v1/models', { key: p.keys.write, json: { name: 'short-lived', devices: true } });
    expect((await telemetry(p, `model=short-lived&${window}`)).body.series).toEqual([]);
  });
});
