/**
 * Latency histograms that merge across devices and time: fixed log-scale buckets shared by runtime and hub,
 * so p50/p95 over any set of devices is a sum of bucket counts, never an average of percentiles.
 * Bucket i holds latencies in (BASE·GROWTH^(i-1), BASE·GROWTH^i] ms; bucket 0 holds everything ≤ BASE.
 */
export const LATENCY_BASE_MS = 0.05;
export const LATENCY_GROWTH = 1.2;
/** 0.05 ms · 1.2^80 ≈ 110 s: anything slower lands in the last bucket. */
export const LATENCY_BUCKETS = 81;

/** Sparse histogram: bucket index → count. */
export type LatencyHistogram = Record<string, number>;

export function latencyBucket(ms: number): number {
  if (!(ms > LATENCY_BASE_MS)) return 0;
  const i = Math.ceil(Math.log(ms / LATENCY_BASE_MS) / Math.log(LATENCY_GROWTH) - 1e-9);
  return Math.min(LATENCY_BUCKETS - 1, i);
}

/** Upper bound of bucket i in ms. */
export const bucketUpperMs = (i: number) => LATENCY_BASE_MS * LATENCY_GROWTH ** i;

export function addLatency(h: LatencyHistogram, ms: number): void {
  const i = latencyBucket(ms);
  h[i] = (h[i] ?? 0) + 1;
}

export function mergeHistograms(into: LatencyHistogram, from: LatencyHistogram): LatencyHistogram {
  for (const [i, n] of Object.entries(from)) into[i] = (into[i] ?? 0) + n;
  return into;
}

/**
 * The q-quantile (0..1) in ms, interpolated inside its bucket on a log scale; null for an empty histogram.
 * The true quantile lies in the same bucket, so the answer is off by at most a factor of 1.2.
 */
export function histogramQuantile(h: LatencyHistogram, q: number): number | null {
  const entries = Object.entries(h)
    .map(([i, n]) => [Number(i), n] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (const [i, n] of entries) {
    if (seen + n >= rank) {
      const upper = bucketUpperMs(i);
      if (i === 0) return upper;
      const lower = bucketUpperMs(i - 1);
      const frac = n === 0 ? 1 : Math.max(0, Math.min(1, (rank - seen) / n));
      return lower * (upper / lower) ** frac;
    }
    seen += n;
  }
  return bucketUpperMs(entries[entries.length - 1]![0]);
}
