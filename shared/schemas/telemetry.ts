import { z } from 'zod';
import { LATENCY_BUCKETS } from '../telemetry/histogram.js';

/** Where a model ran: a device's backend, or `server` for the Node hub's /v2 inference. */
export const backends = ['webgpu', 'wasm', 'webgl', 'cpu', 'server'] as const;
export const backendSchema = z.enum(backends);
export type Backend = z.infer<typeof backendSchema>;

const epochMs = z.number().int().nonnegative().max(8.64e15, 'must be a date in epoch milliseconds');
/**
 * Per-report bounds: far above what a device runs in one period, far below what sums over many reports can
 * overflow (SQLite integers stop at 2⁶³, exact JS numbers at 2⁵³).
 */
export const TELEMETRY_LIMITS = { count: 1_000_000_000, latencyMs: 1_000_000_000, sumMs: 1e15 } as const;
const runCount = z.number().int().nonnegative().max(TELEMETRY_LIMITS.count, `must be at most ${TELEMETRY_LIMITS.count} per report`);
const latencyMs = z.number().nonnegative().max(TELEMETRY_LIMITS.latencyMs, `must be at most ${TELEMETRY_LIMITS.latencyMs} ms`);
const histogram = z
  .record(z.string().regex(/^\d+$/, 'must be a bucket index'), runCount)
  .refine((h) => Object.keys(h).every((k) => Number(k) < LATENCY_BUCKETS), `bucket indexes must be below ${LATENCY_BUCKETS}`);

/**
 * One device's aggregated inference figures for one model version on one backend over one period
 * (the runtime flushes a period at most once a minute). Sent as a `/v1/sync` item with its own client id.
 */
export const telemetryFields = {
  model: z.string().min(1).max(128),
  version: z.number().int().positive(),
  backend: backendSchema,
  deviceId: z.string().min(1).max(200),
  periodStart: epochMs,
  periodEnd: epochMs,
  /** Runs attempted, including failed ones. */
  count: runCount,
  errors: runCount,
  /** Latency of successful runs: sparse log-scale histogram (shared/telemetry/histogram.ts), plus exact sum/min/max. */
  latency: z.object({ histogram, sumMs: z.number().nonnegative().max(TELEMETRY_LIMITS.sumMs, `must be at most ${TELEMETRY_LIMITS.sumMs}`), minMs: latencyMs, maxMs: latencyMs }),
  /** Last error message seen in the period, if any. */
  lastError: z.string().max(2000).optional(),
};

/** `GET /v1/telemetry?model=&since=&until=&bucket=` — the console's Devices page. */
export const telemetryQuerySchema = z.object({
  model: z.string().optional(),
  since: z.coerce.number().int().nonnegative().optional(),
  until: z.coerce.number().int().nonnegative().optional(),
  /** Width of one point of the time series, ms (default one hour). */
  bucket: z.coerce.number().int().min(60_000).optional(),
});
export type TelemetryQuery = z.infer<typeof telemetryQuerySchema>;

const figures = {
  count: z.number().int(),
  errors: z.number().int(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  meanMs: z.number().nullable(),
};

export const telemetrySeriesSchema = z.object({
  model: z.string(),
  version: z.number().int(),
  backend: backendSchema,
  ...figures,
  devices: z.number().int(),
  lastSeen: z.number().int(),
  lastError: z.string().nullable(),
  points: z.array(z.object({ t: z.number().int(), ...figures })),
});
export type TelemetrySeries = z.infer<typeof telemetrySeriesSchema>;

export const telemetryResponseSchema = z.object({ since: z.number().int(), until: z.number().int(), bucket: z.number().int(), series: z.array(telemetrySeriesSchema) });
export type TelemetryResponse = z.infer<typeof telemetryResponseSchema>;
