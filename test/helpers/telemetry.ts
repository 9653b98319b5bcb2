import { addLatency, type LatencyHistogram } from '../../shared/telemetry/histogram.js';

/** The figures of a device's telemetry report for runs that took `latencies` ms, plus `errors` failed runs. */
export function reportFigures(latencies: number[], errors = 0) {
  const histogram: LatencyHistogram = {};
  for (const ms of latencies) addLatency(histogram, ms);
  return {
    count: latencies.length + errors,
    errors,
    latency: { histogram, sumMs: latencies.reduce((s, x) => s + x, 0), minMs: Math.min(...latencies), maxMs: Math.max(...latencies) },
  };
}
