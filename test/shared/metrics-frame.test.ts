import { describe, expect, it } from 'vitest';
import { packColumn, unpackColumn } from '../../hub/tracking/metrics/packing.js';
import { decodeMetricsFrame, encodeMetricsFrame, FrameError } from '../../shared/metrics-frame.js';

describe('metrics frame', () => {
  it('round-trips metrics, optional timestamps, params and tags', () => {
    const frame = {
      metrics: [
        { key: 'loss', steps: Float64Array.of(0, 1, 2), values: Float64Array.of(0.5, 0.25, 0.125), timestamps: Float64Array.of(10, 20, 30) },
        { key: 'acc/top-1', steps: Float64Array.of(5), values: Float64Array.of(0.9) },
      ],
      params: { lr: '0.01' },
      tags: { team: 'vision' },
    };
    const decoded = decodeMetricsFrame(encodeMetricsFrame(frame));
    expect(decoded.params).toEqual(frame.params);
    expect(decoded.tags).toEqual(frame.tags);
    expect(decoded.metrics.map((m) => [m.key, [...m.steps], [...m.values], m.timestamps && [...m.timestamps]])).toEqual([
      ['loss', [0, 1, 2], [0.5, 0.25, 0.125], [10, 20, 30]],
      ['acc/top-1', [5], [0.9], undefined],
    ]);
  });

  it('reads a frame that sits at an unaligned offset of a larger buffer', () => {
    const bytes = encodeMetricsFrame({ metrics: [{ key: 'x', steps: Float64Array.of(1), values: Float64Array.of(2) }] });
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect([...decodeMetricsFrame(shifted.subarray(3)).metrics[0]!.values]).toEqual([2]);
  });

  it('says what is wrong with a bad frame', () => {
    const good = encodeMetricsFrame({ metrics: [{ key: 'x', steps: Float64Array.of(1, 2), values: Float64Array.of(3, 4) }] });
    expect(() => decodeMetricsFrame(new Uint8Array(4))).toThrow(FrameError);
    expect(() => decodeMetricsFrame(new TextEncoder().encode('JSON{"a":1}'))).toThrow('does not start with "OPM1"');
    expect(() => decodeMetricsFrame(good.subarray(0, good.length - 8))).toThrow('shorter than its header says');
    const longer = new Uint8Array(good.length + 8);
    longer.set(good);
    expect(() => decodeMetricsFrame(longer)).toThrow('longer than its header says');
  });
});

describe('chunk columns', () => {
  it('stores an exact arithmetic progression as two numbers and anything else in full', () => {
    const steps = Float64Array.from({ length: 1000 }, (_, i) => 5 + 3 * i);
    expect(packColumn(steps).byteLength).toBe(16);
    expect([...unpackColumn(packColumn(steps), 1000)]).toEqual([...steps]);
    const jittered = Float64Array.from(steps, (s, i) => (i === 500 ? s + 0.5 : s));
    expect(packColumn(jittered).byteLength).toBe(8000);
    expect([...unpackColumn(packColumn(jittered), 1000)]).toEqual([...jittered]);
    const two = Float64Array.of(1, 2);
    expect([...unpackColumn(packColumn(two), 2)]).toEqual([1, 2]);
  });
});

describe('metrics frame steps', () => {
  it('sends steps that are a progression in the header, and the rest in the body', () => {
    const steps = Float64Array.from({ length: 1000 }, (_, i) => 10 + 2 * i);
    const values = Float64Array.from(steps, (s) => s / 3);
    const compact = encodeMetricsFrame({ metrics: [{ key: 'a', steps, values }] });
    const irregular = Float64Array.from(steps, (s, i) => (i === 999 ? s + 1 : s));
    const full = encodeMetricsFrame({ metrics: [{ key: 'a', steps: irregular, values }] });
    expect(full.byteLength - compact.byteLength).toBeGreaterThanOrEqual(8000 - 64);
    expect([...decodeMetricsFrame(compact).metrics[0]!.steps]).toEqual([...steps]);
    expect([...decodeMetricsFrame(full).metrics[0]!.steps]).toEqual([...irregular]);
  });
});
