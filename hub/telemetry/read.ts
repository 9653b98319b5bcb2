import { sql, type SQL } from 'drizzle-orm';
import { OutpostError } from '../../shared/errors.js';
import type { Backend, TelemetryQuery, TelemetryResponse, TelemetrySeries } from '../../shared/schemas/telemetry.js';
import { histogramQuantile, mergeHistograms, type LatencyHistogram } from '../../shared/telemetry/histogram.js';
import type { Scope } from '../core/scope.js';
import { findModel } from '../registry/models.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Points per series at most: a chart has no use for more, and the reply stays small. */
export const MAX_POINTS = 2_000;

interface Window {
  since: number;
  until: number;
  bucket: number;
}

function windowOf(query: TelemetryQuery, now: number): Window {
  const until = query.until ?? now;
  const since = query.since ?? until - DAY;
  const bucket = query.bucket ?? HOUR;
  const bad = (field: string, message: string) => new OutpostError(400, 'validation_failed', `invalid query: ${field}: ${message}`, [{ path: field, message }]);
  if (since >= until) throw bad('since', `${since} is not before until ${until}`);
  const points = Math.ceil((until - since) / bucket);
  if (points > MAX_POINTS) throw bad('bucket', `${bucket} ms makes ${points} points from since to until; at most ${MAX_POINTS} (use a bucket of at least ${Math.ceil((until - since) / MAX_POINTS)} ms)`);
  return { since, until, bucket };
}

type Figures = Pick<TelemetrySeries, 'count' | 'errors' | 'p50Ms' | 'p95Ms' | 'meanMs'>;
const round = (ms: number | null) => (ms === null ? null : Math.round(ms * 1000) / 1000);

/** The mean is over the runs the histogram holds (successful, timed ones), the same runs as the percentiles. */
function figures(count: number, errors: number, sumMs: number, histogram: LatencyHistogram): Figures {
  const timed = Object.values(histogram).reduce((n, c) => n + c, 0);
  return {
    count,
    errors,
    p50Ms: round(histogramQuantile(histogram, 0.5)),
    p95Ms: round(histogramQuantile(histogram, 0.95)),
    meanMs: timed > 0 ? round(sumMs / timed) : null,
  };
}

interface SeriesKey {
  modelId: string;
  version: number;
  backend: Backend;
}
const keyOf = (r: SeriesKey) => `${r.modelId}\u0000${r.version}\u0000${r.backend}`;

interface PointRow extends SeriesKey {
  model: string;
  t: number;
  count: number;
  errors: number;
  sumMs: number;
  lastSeen: number;
}

/**
 * Telemetry of the key's project per (model, version, backend) over a window: totals, and points of `bucket` ms
 * (aligned to multiples of the bucket since the epoch; only buckets with reports). Percentiles come from merged
 * histograms. `devices` counts devices whose first-to-last report overlaps the window.
 */
export async function readTelemetry(scope: Pick<Scope, 'db' | 'projectId' | 'now'>, query: TelemetryQuery): Promise<TelemetryResponse> {
  const { db, projectId } = scope;
  const { since, until, bucket } = windowOf(query, scope.now());
  const modelId = query.model === undefined ? undefined : (await findModel(scope, query.model)).id;
  const model = (column: string) => (modelId === undefined ? sql`` : sql`AND ${sql.raw(column)} = ${modelId}`);
  const inWindow: SQL = sql`m.project_id = ${projectId} AND m.minute >= ${since} AND m.minute < ${until} ${model('m.model_id')}`;
  // `%` works in integers whatever type the driver binds the bucket as (libSQL sends JS numbers as REAL).
  const t = sql`m.minute - m.minute % ${bucket}`;

  const [pointRows, histogramRows, errorRows, deviceRows] = await Promise.all([
    db.all<PointRow>(sql`
      SELECT m.model_id AS modelId, r.name AS model, m.version, m.backend, ${t} AS t, total(m.count) AS count,
        total(m.errors) AS errors, total(m.latency_sum_ms) AS sumMs, max(m.last_seen) AS lastSeen
      FROM telemetry_minutes m JOIN registered_models r ON r.id = m.model_id
      WHERE ${inWindow} GROUP BY m.model_id, m.version, m.backend, t ORDER BY t`),
    db.all<SeriesKey & { t: number; i: string; n: number }>(sql`
      SELECT m.model_id AS modelId, m.version, m.backend, ${t} AS t, j.key AS i, total(j.value) AS n
      FROM telemetry_minutes m, json_each(m.histogram) j
      WHERE ${inWindow} GROUP BY m.model_id, m.version, m.backend, t, j.key`),
    // SQLite takes the bare column from the row that holds the max(): the latest error of each series.
    db.all<SeriesKey & { at: number; message: string }>(sql`
      SELECT m.model_id AS modelId, m.version, m.backend, max(m.last_error_at) AS at, m.last_error AS message
      FROM telemetry_minutes m WHERE ${inWindow} AND m.last_error_at IS NOT NULL GROUP BY m.model_id, m.version, m.backend`),
    db.all<SeriesKey & { n: number }>(sql`
      SELECT d.model_id AS modelId, d.version, d.backend, count(*) AS n FROM telemetry_devices d
      WHERE d.project_id = ${projectId} AND d.last_seen >= ${since} AND d.first_seen < ${until} ${model('d.model_id')}
      GROUP BY d.model_id, d.version, d.backend`),
  ]);

  const histograms = new Map<string, LatencyHistogram>();
  for (const r of histogramRows) {
    const k = `${keyOf(r)}\u0000${r.t}`;
    const h = histograms.get(k) ?? {};
    h[r.i] = Number(r.n);
    histograms.set(k, h);
  }
  const lastErrors = new Map(errorRows.map((r) => [keyOf(r), r.message]));
  const devices = new Map(deviceRows.map((r) => [keyOf(r), Number(r.n)]));

  const series = new Map<string, { row: PointRow; points: TelemetrySeries['points']; count: number; errors: number; sumMs: number; lastSeen: number; histogram: LatencyHistogram }>();
  for (const r of pointRows) {
    const k = keyOf(r);
    const s = series.get(k) ?? { row: r, points: [], count: 0, errors: 0, sumMs: 0, lastSeen: 0, histogram: {} };
    const h = histograms.get(`${k}\u0000${r.t}`) ?? {};
    s.points.push({ t: Number(r.t), ...figures(Number(r.count), Number(r.errors), Number(r.sumMs), h) });
    s.count += Number(r.count);
    s.errors += Number(r.errors);
    s.sumMs += Number(r.sumMs);
    s.lastSeen = Math.max(s.lastSeen, Number(r.lastSeen));
    mergeHistograms(s.histogram, h);
    series.set(k, s);
  }

  const out: TelemetrySeries[] = [...series.entries()].map(([k, s]) => ({
    model: s.row.model,
    version: Number(s.row.version),
    backend: s.row.backend,
    ...figures(s.count, s.errors, s.sumMs, s.histogram),
    devices: devices.get(k) ?? 0,
    lastSeen: s.lastSeen,
    lastError: lastErrors.get(k) ?? null,
    points: s.points,
  }));
  out.sort((a, b) => a.model.localeCompare(b.model) || b.version - a.version || a.backend.localeCompare(b.backend));
  return { since, until, bucket, series: out };
}
