import { describe, expect, it } from 'vitest';
import {
  addLatency,
  bucketUpperMs,
  histogramQuantile,
  LATENCY_BASE_MS,
  LATENCY_BUCKETS,
  LATENCY_GROWTH,
  latencyBucket,
  mergeHistograms,
  type LatencyHistogram,
} from '../../shared/telemetry/histogram.js';

const histogramOf = (xs: number[]) => {
  const h: LatencyHistogram = {};
  for (const x of xs) addLatency(h, x);
  return h;
};
const exactQuantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(q * xs.length) - 1)]!;

/** A deterministic spread of latencies over five orders of magnitude (log-uniform, 0.1 ms to 10 s). */
const spread = (n: number, seed: number) => Array.from({ length: n }, (_, i) => 0.1 * 10 ** (5 * (((i * 7919 + seed * 104729) % n) / n)));

describe('latency histogram', () => {
  it('puts each latency in the bucket whose bounds hold it, upper bounds inclusive', () => {
    for (let i = 1; i < LATENCY_BUCKETS; i++) {
      expect(latencyBucket(bucketUpperMs(i))).toBe(i);
      expect(latencyBucket(bucketUpperMs(i) * 1.0001)).toBe(Math.min(i + 1, LATENCY_BUCKETS - 1));
    }
    for (const ms of spread(5000, 1)) {
      const i = latencyBucket(ms);
      expect(ms).toBeLessThanOrEqual(bucketUpperMs(i));
      expect(ms).toBeGreaterThan(bucketUpperMs(i - 1));
    }
  });

  it('keeps zero, negative, NaN and sub-base latencies in bucket 0 and very slow ones in the last bucket', () => {
    for (const ms of [0, -3, Number.NaN, LATENCY_BASE_MS / 2, LATENCY_BASE_MS]) expect(latencyBucket(ms)).toBe(0);
    expect(latencyBucket(1e9)).toBe(LATENCY_BUCKETS - 1);
    expect(latencyBucket(Number.POSITIVE_INFINITY)).toBe(LATENCY_BUCKETS - 1);
  });

  it('answers quantiles within one bucket of the exact value', () => {
    const xs = spread(10_000, 2);
    const h = histogramOf(xs);
    for (const q of [0.01, 0.1, 0.5, 0.9, 0.95, 0.99]) {
      const estimate = histogramQuantile(h, q)!;
      const exact = exactQuantile(xs, q);
      expect(estimate).toBeGreaterThanOrEqual(exact / LATENCY_GROWTH);
      expect(estimate).toBeLessThanOrEqual(exact * LATENCY_GROWTH);
    }
  });

  it('gives quantiles that never decrease with q, and null for an empty histogram', () => {
    const h = histogramOf(spread(999, 3));
    let previous = 0;
    for (let q = 0; q <= 1; q += 0.01) {
      const v = histogramQuantile(h, q)!;
      expect(v).toBeGreaterThanOrEqual(previous);
      previous = v;
    }
    expect(histogramQuantile({}, 0.5)).toBeNull();
    expect(histogramQuantile({ 7: 0 }, 0.5)).toBeNull();
  });

  it('merges devices into the same histogram as if one device had seen every run', () => {
    const a = spread(300, 4).map((x) => x / 10);
    const b = spread(700, 5);
    const merged = mergeHistograms(mergeHistograms({}, histogramOf(a)), histogramOf(b));
    expect(merged).toEqual(histogramOf([...a, ...b]));
    expect(mergeHistograms(histogramOf(b), histogramOf(a))).toEqual(merged);
    expect(histogramQuantile(merged, 0.95)).toBe(histogramQuantile(histogramOf([...b, ...a]), 0.95));
  });

  it('keeps a single latency inside its own bucket', () => {
    const h = histogramOf([12.5]);
    const i = latencyBucket(12.5);
    for (const q of [0, 0.5, 1]) {
      const v = histogramQuantile(h, q)!;
      expect(v).toBeGreaterThanOrEqual(bucketUpperMs(i - 1));
      expect(v).toBeLessThanOrEqual(bucketUpperMs(i));
    }
  });
});
