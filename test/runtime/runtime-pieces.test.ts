import { describe, expect, it } from 'vitest';
import { checkFeeds, postable } from '../../runtime/inference/tensors.js';
import { backoffMs } from '../../runtime/sync/backoff.js';
import { TelemetryAggregator } from '../../runtime/telemetry/aggregator.js';
import { histogramQuantile } from '../../shared/telemetry/histogram.js';

const signature = {
  inputs: [
    { name: 'x', dtype: 'float32', shape: ['batch', 4] as (string | number)[] },
    { name: 'ids', dtype: 'int64', shape: [-1] as (string | number)[] },
    { name: 'flag', dtype: 'bool', shape: [] as (string | number)[] },
  ],
  outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 2] as (string | number)[] }],
};
const good = () => ({
  x: { data: new Float32Array(8), dims: [2, 4] },
  ids: { data: new BigInt64Array(3), dims: [3] },
  flag: { data: new Uint8Array(1), dims: [] },
});

describe('feeds against the signature', () => {
  it('accepts matching feeds and names each dtype, bool and int64 included', () => {
    expect(checkFeeds(good(), signature, 'm v1')).toEqual({ x: 'float32', ids: 'int64', flag: 'bool' });
  });

  it('says what was expected for a wrong dtype, shape, size or name', () => {
    const f = good();
    expect(() => checkFeeds({ ...f, x: { data: new Float64Array(8), dims: [2, 4] } }, signature, 'm v1')).toThrow('input "x" expects float32 (got Float64Array, which is float64)');
    expect(() => checkFeeds({ ...f, x: { data: new Float32Array(8), dims: [4, 2] } }, signature, 'm v1')).toThrow('input "x" expects shape [batch, 4] (got dims [4, 2])');
    expect(() => checkFeeds({ ...f, ids: { data: new BigInt64Array(2), dims: [3] } }, signature, 'm v1')).toThrow('input "ids" has 2 values but dims [3] need 3');
    expect(() => checkFeeds({ ...f, extra: { data: new Float32Array(1), dims: [1] } }, signature, 'm v1')).toThrow(/m v1 has no input "extra" \(inputs: x: float32 \[batch, 4\], ids: int64 \[\?\], flag: bool \[\]\)/);
    expect(() => checkFeeds({ x: f.x, ids: f.ids }, signature, 'm v1')).toThrow(/m v1 needs input "flag" \(bool \[\]\)/);
    expect(() => checkFeeds({ ...f, x: { data: [1, 2] as never, dims: [2] } }, signature, 'm v1')).toThrow('input "x" must be a typed array (got object)');
  });
});

describe('posting feeds to a worker', () => {
  it('copies by default, so the caller’s arrays stay whole and keep their values', () => {
    const a = new Float32Array([1, 2, 3, 4]);
    const { tensors, buffers } = postable({ a: { data: a, dims: [4] } });
    expect(tensors.a!.data).not.toBe(a);
    expect(tensors.a!.data.buffer).not.toBe(a.buffer);
    expect(Array.from(tensors.a!.data)).toEqual([1, 2, 3, 4]);
    expect(buffers).toEqual([tensors.a!.data.buffer]);
    // What the worker gets is its own: transferring it leaves the caller's array untouched.
    structuredClone(tensors, { transfer: buffers });
    expect(a.length).toBe(4);
    expect(Array.from(a)).toEqual([1, 2, 3, 4]);
  });

  it('with transfer, moves whole buffers and copies views into larger ones, so the rest of the caller’s buffer survives', () => {
    const whole = new Float32Array(4);
    const big = new Float32Array(16);
    const view = big.subarray(4, 8);
    const { tensors, buffers } = postable({ a: { data: whole, dims: [4] }, b: { data: view, dims: [4] } }, true);
    expect(tensors.a!.data).toBe(whole);
    expect(tensors.b!.data).not.toBe(view);
    expect(buffers).toEqual([whole.buffer, tensors.b!.data.buffer]);
    expect(buffers).not.toContain(big.buffer);
  });

  it('with transfer, copies the second of two arrays that share one buffer, so the buffer is transferred once', () => {
    const shared = new Float32Array(4);
    const { tensors, buffers } = postable({ x: { data: shared, dims: [4] }, y: { data: shared, dims: [4] } }, true);
    expect(tensors.x!.data).toBe(shared);
    expect(tensors.y!.data).not.toBe(shared);
    expect(new Set(buffers).size).toBe(2);
  });
});

describe('backoff', () => {
  it('doubles from a second up to a minute, with jitter in [0.5, 1) of the step', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const step = Math.min(60_000, 1000 * 2 ** attempt);
      for (let i = 0; i < 20; i++) {
        const ms = backoffMs(attempt);
        expect(ms).toBeGreaterThanOrEqual(step / 2);
        expect(ms).toBeLessThan(step);
      }
    }
  });
});

describe('telemetry aggregation', () => {
  it('keeps one period per model, version and backend, with errors apart from latencies', () => {
    const agg = new TelemetryAggregator('device-1');
    for (let i = 1; i <= 100; i++) agg.record('digits', 2, 'wasm', i);
    agg.record('digits', 2, 'wasm', null, 'input "x" expects float32');
    agg.record('digits', 2, 'webgpu', 3);
    const items = agg.drain();
    expect(items).toHaveLength(2);
    const wasm = items.find((i) => i.backend === 'wasm')!;
    expect(wasm).toMatchObject({ type: 'telemetry', model: 'digits', version: 2, deviceId: 'device-1', count: 101, errors: 1, lastError: 'input "x" expects float32' });
    expect(wasm.latency).toMatchObject({ sumMs: 5050, minMs: 1, maxMs: 100 });
    const p50 = histogramQuantile(wasm.latency.histogram, 0.5)!;
    expect(p50 / 50).toBeGreaterThan(1 / 1.2);
    expect(p50 / 50).toBeLessThan(1.2);
    expect(agg.drain()).toEqual([]);
  });

  it('gives a period its client id when it opens, so a saved snapshot and the final item are one record', () => {
    const agg = new TelemetryAggregator('device-1');
    agg.record('digits', 1, 'wasm', 2);
    const [snapshot] = agg.snapshot();
    agg.record('digits', 1, 'wasm', 3);
    const [final] = agg.drain();
    expect(final!.id).toBe(snapshot!.id);
    expect([snapshot!.count, final!.count]).toEqual([1, 2]);
  });
});
