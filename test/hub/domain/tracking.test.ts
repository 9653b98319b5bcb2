import { OutpostError } from '../../../shared/errors.js';
import { createExperiment } from '../../../hub/tracking/experiments.js';
import { appendToRun, CHUNK_POINTS, logToRun, ParamChangedError } from '../../../hub/tracking/log.js';
import { readSeries } from '../../../hub/tracking/metrics/history.js';
import { createRun, getRun } from '../../../hub/tracking/runs.js';
import { describe, expect, test, type InProcessHub } from '../../helpers/app.js';

/** A run of a fresh experiment: its row (what domain functions take) and its reply shape. */
async function newRun(hub: InProcessHub, input: { params?: Record<string, string>; tags?: Record<string, string> } = {}) {
  const experiment = await createExperiment(hub.scope, { name: `exp-${crypto.randomUUID()}` });
  return createRun(hub.scope, { experimentId: experiment.id, ...input });
}

/** Every order of a list: arrival orders a batch log must not depend on. */
const orders = <T>(xs: T[]): T[][] => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => orders([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest])));

describe('runs', () => {
  test('creates a run in an experiment with its params and tags, and reads it back whole', async ({ hub }) => {
    const { run } = await newRun(hub, { params: { lr: '0.01', layers: '3' }, tags: { team: 'vision' } });
    const read = await getRun(hub.scope, run.id);
    expect(read).toEqual({ ...run, metrics: {} });
    expect(read).toMatchObject({ status: 'RUNNING', endTime: null, lifecycle: 'active', params: { lr: '0.01', layers: '3' }, tags: { team: 'vision' } });
  });

  test("refuses to read a run of another project, and answers 404 for one that does not exist", async ({ hub }) => {
    const { run } = await newRun(hub);
    await expect(getRun({ db: hub.db, projectId: 'prj_other' }, run.id)).rejects.toMatchObject({ status: 403 });
    await expect(getRun(hub.scope, 'no-such-run')).rejects.toMatchObject({ status: 404 });
  });
});

describe('logging a batch', () => {
  test('stores params, tags and metric points in one call and reports what it stored', async ({ hub }) => {
    const { row } = await newRun(hub);
    const result = await logToRun(hub.scope, row, {
      params: { lr: '0.1' },
      tags: { stage: 'a', owner: 'kim' },
      metrics: [{ key: 'loss', steps: [0, 1, 2], values: [3, 2, 1], timestamps: [10, 20, 30] }],
    });
    expect(result).toEqual({ duplicate: false, params: 1, tags: 2, points: 3 });
    const read = await getRun(hub.scope, row.id);
    expect(read.params).toEqual({ lr: '0.1' });
    expect(read.tags).toEqual({ stage: 'a', owner: 'kim' });
    expect(read.metrics.loss).toEqual({ value: 1, step: 2, timestamp: 30, min: 1, max: 3, count: 3 });
  });

  test('applies a batch with an idempotency key once: the same key again is a duplicate that changes nothing', async ({ hub }) => {
    const { row } = await newRun(hub);
    const batch = { tags: { v: '1' }, metrics: [{ key: 'x', steps: [0, 1], values: [5, 6] }] };
    expect((await logToRun(hub.scope, row, batch, 'k-0001')).duplicate).toBe(false);
    expect((await logToRun(hub.scope, row, { ...batch, tags: { v: '2' } }, 'k-0001')).duplicate).toBe(true);
    const twins = await Promise.all([1, 2, 3].map(() => logToRun(hub.scope, row, batch, 'k-0002')));
    expect(twins.filter((r) => !r.duplicate)).toHaveLength(1);
    const read = await getRun(hub.scope, row.id);
    expect(read.tags).toEqual({ v: '1' });
    expect(read.metrics.x!.count).toBe(4);
  });

  test('keeps params immutable: the same value again is fine, another throws naming the key and both values, and nothing of that batch is stored', async ({ hub }) => {
    const { row } = await newRun(hub, { params: { lr: '0.01' } });
    await appendToRun(hub.scope, row, { params: { lr: '0.01', seed: '1' } });
    const changed = appendToRun(hub.scope, row, { params: { seed: '1', lr: '0.5' }, tags: { t: 'x' }, metrics: [{ key: 'loss', steps: [0], values: [1] }] });
    await expect(changed).rejects.toBeInstanceOf(ParamChangedError);
    await expect(changed).rejects.toMatchObject({ status: 400, key: 'lr', oldValue: '0.01', newValue: '0.5' });
    const read = await getRun(hub.scope, row.id);
    expect(read).toMatchObject({ params: { lr: '0.01', seed: '1' }, tags: {}, metrics: {} });
  });

  test('lets only one of two concurrent batches set a param to different values', async ({ hub }) => {
    const { row } = await newRun(hub);
    const outcomes = await Promise.allSettled(['a', 'b'].map((v) => appendToRun(hub.scope, row, { params: { p: v } })));
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(ParamChangedError);
    expect((await getRun(hub.scope, row.id)).params.p).toBe(lost.reason.oldValue);
  });

  test('keeps the latest metric by highest step, then latest timestamp, then larger value, in every arrival order', async ({ hub }) => {
    const batches = [
      { steps: [5, 1], values: [0.5, 0.1], timestamps: [100, 100] },
      { steps: [3, 5], values: [0.9, 0.4], timestamps: [900, 100] },
      { steps: [5, 5], values: [0.45, 0.44], timestamps: [200, 200] },
    ];
    for (const order of orders(batches)) {
      const { row } = await newRun(hub);
      for (const b of order) await appendToRun(hub.scope, row, { metrics: [{ key: 'acc', ...b }] });
      const m = (await getRun(hub.scope, row.id)).metrics.acc;
      expect(m, JSON.stringify(order)).toEqual({ value: 0.45, step: 5, timestamp: 200, min: 0.1, max: 0.9, count: 6 });
    }
  });

  test('refuses a non-finite value or a fractional step with a 400 naming the metric, storing nothing', async ({ hub }) => {
    const { row } = await newRun(hub);
    for (const metric of [
      { key: 'nan', steps: [0, 1], values: [1, Number.NaN] },
      { key: 'inf', steps: [0], values: [Number.POSITIVE_INFINITY] },
      { key: 'half', steps: [0.5], values: [1] },
    ]) {
      const failed = appendToRun(hub.scope, row, { tags: { t: metric.key }, metrics: [metric] });
      await expect(failed).rejects.toBeInstanceOf(OutpostError);
      await expect(failed).rejects.toMatchObject({ status: 400, message: expect.stringContaining(`"${metric.key}"`) });
    }
    expect(await getRun(hub.scope, row.id)).toMatchObject({ tags: {}, metrics: {} });
  });
});

describe('metric history', () => {
  /** Points whose values are all different, so each downsampling bucket has one min and one max. */
  const wave = (steps: number[]) => steps.map((s) => Math.sin(s / 300) + s * 1e-7);

  test('stores a long series in several chunks and returns it whole, sorted by step, whatever order its halves arrived in', async ({ hub }) => {
    const { row } = await newRun(hub);
    const n = CHUNK_POINTS * 2 + 100;
    const steps = Array.from({ length: n }, (_, i) => i * 2);
    const values = wave(steps);
    const half = Math.floor(n / 2);
    await appendToRun(hub.scope, row, { metrics: [{ key: 'w', steps: steps.slice(half), values: values.slice(half) }] });
    await appendToRun(hub.scope, row, { metrics: [{ key: 'w', steps: steps.slice(0, half), values: values.slice(0, half) }] });
    const series = await readSeries(hub.scope, row.id, 'w');
    expect(series.total).toBe(n);
    expect(series.steps).toEqual(steps);
    expect(series.values).toEqual(values);
  });

  test("downsamples to maxPoints keeping the first and last points and each bucket's min and max", async ({ hub }) => {
    const { row } = await newRun(hub);
    const steps = Array.from({ length: 10_000 }, (_, i) => i);
    const values = wave(steps);
    values[7777] = 40; // a spike
    values[1234] = -40; // a dip
    await appendToRun(hub.scope, row, { metrics: [{ key: 'w', steps, values }] });
    const maxPoints = 102;
    const s = await readSeries(hub.scope, row.id, 'w', { maxPoints });
    // The oracle: 50 buckets of 200 points, each keeping its min and max in step order, plus the first and last points.
    const kept = new Set([0, steps.length - 1]);
    for (let b = 0; b < 50; b++) {
      const bucket = steps.slice(b * 200, (b + 1) * 200);
      kept.add(bucket.reduce((lo, i) => (values[i]! < values[lo]! ? i : lo)));
      kept.add(bucket.reduce((hi, i) => (values[i]! > values[hi]! ? i : hi)));
    }
    const expected = [...kept].sort((a, b) => a - b);
    expect(s.total).toBe(10_000);
    expect(s.steps.length).toBeLessThanOrEqual(maxPoints);
    expect(s.steps).toEqual(expected);
    expect(s.values).toEqual(expected.map((i) => values[i]));
    expect(s.values).toContain(40);
    expect(s.values).toContain(-40);
  });

  test('reads only the points of a step range, from the chunks that hold it', async ({ hub }) => {
    const { row } = await newRun(hub);
    const steps = Array.from({ length: CHUNK_POINTS * 3 }, (_, i) => i);
    await appendToRun(hub.scope, row, { metrics: [{ key: 'w', steps, values: wave(steps) }] });
    const minStep = CHUNK_POINTS - 5;
    const maxStep = CHUNK_POINTS * 2 + 5;
    const s = await readSeries(hub.scope, row.id, 'w', { minStep, maxStep });
    const inRange = steps.filter((x) => x >= minStep && x <= maxStep);
    expect(s.total).toBe(inRange.length);
    expect(s.steps).toEqual(inRange);
    expect(s.values).toEqual(wave(inRange));
    const empty = await readSeries(hub.scope, row.id, 'w', { minStep: -10, maxStep: -1 });
    expect(empty).toMatchObject({ total: 0, steps: [], values: [] });
  });
});
