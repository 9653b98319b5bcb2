import { and, eq, inArray, sql } from 'drizzle-orm';
import { OutpostError } from '../../shared/errors.js';
import type { LogBatch } from '../../shared/schemas/tracking.js';
import type { Db } from '../db/client.js';
import { isNotNullViolation, isUniqueViolation } from '../db/errors.js';
import { appliedWrites, metricChunks, metricSummaries, runParams, runTags } from '../db/schema.js';
import { BadPointError, latestIndex, packColumn, sortByStep, type Points } from './metrics/packing.js';
import { slices } from './runs.js';

/** Points per stored chunk: large enough that a million-point history is a few dozen rows. */
export const CHUNK_POINTS = 16_384;

export interface AppendResult {
  duplicate: boolean;
  params: number;
  tags: number;
  points: number;
}

export class ParamChangedError extends OutpostError {
  constructor(
    readonly runId: string,
    readonly key: string,
    readonly oldValue: string,
    readonly newValue: string,
  ) {
    super(400, 'bad_request', `param "${key}" of run ${runId} is already "${oldValue}"; params are immutable (tried "${newValue}")`, { key, oldValue, newValue });
  }
}


/**
 * Inserts params so that the database enforces immutability inside the atomic batch: a key the run already has
 * with another value is set to NULL, which the NOT NULL column refuses, so the whole batch rolls back (also when
 * a concurrent batch stored the other value after this one was validated). The same value again is a no-op.
 */
function paramStatements(db: Db, runId: string, params: Record<string, string>) {
  const stored = sql`${runParams.value}`;
  return slices(Object.entries(params), 30).map((s) =>
    db
      .insert(runParams)
      .values(s.map(([key, value]) => ({ runId, key, value })))
      .onConflictDoUpdate({ target: [runParams.runId, runParams.key], set: { value: sql`CASE WHEN ${stored} = excluded.value THEN ${stored} ELSE NULL END` } }),
  );
}

/** After the param guard failed a batch: the ParamChangedError naming the key whose stored value differs. */
async function paramChanged(db: Db, runId: string, params: Record<string, string>): Promise<ParamChangedError | null> {
  for (const slice of slices(Object.keys(params))) {
    const existing = await db.select().from(runParams).where(and(eq(runParams.runId, runId), inArray(runParams.key, slice)));
    const changed = existing.find((row) => row.value !== params[row.key]);
    if (changed) return new ParamChangedError(runId, changed.key, changed.value, params[changed.key]!);
  }
  return null;
}

/** One metric's points as columns: JSON arrays or, from the binary frame, Float64Array views. */
export interface MetricInput {
  key: string;
  steps: ArrayLike<number>;
  values: ArrayLike<number>;
  timestamps?: ArrayLike<number>;
}

export type AppendBatch = Omit<LogBatch, 'metrics'> & { metrics?: MetricInput[] };

type ChunkRow = typeof metricChunks.$inferInsert;
type SummaryRow = typeof metricSummaries.$inferInsert;

/** The chunk rows and the summary row of one metric's points. */
function metricRows(runId: string, metric: MetricInput, now: number): { chunks: ChunkRow[]; summary: SummaryRow } {
  const timestamps = metric.timestamps ?? new Float64Array(metric.values.length).fill(now);
  let points: Points;
  let summary: SummaryRow;
  try {
    points = sortByStep(metric.steps, timestamps, metric.values);
    summary = summaryRow(runId, metric.key, points);
  } catch (err) {
    if (!(err instanceof BadPointError)) throw err;
    throw new OutpostError(400, 'validation_failed', `metric "${metric.key}" has ${err.message}; steps and timestamps must be whole numbers, values finite`);
  }
  const chunks: ChunkRow[] = [];
  for (let start = 0; start < points.steps.length; start += CHUNK_POINTS) {
    const end = Math.min(points.steps.length, start + CHUNK_POINTS);
    chunks.push({
      runId,
      key: metric.key,
      count: end - start,
      minStep: points.steps[start]!,
      maxStep: points.steps[end - 1]!,
      steps: packColumn(points.steps.subarray(start, end)),
      timestamps: packColumn(points.timestamps.subarray(start, end)),
      values: packColumn(points.values.subarray(start, end)),
    });
  }
  return { chunks, summary };
}

function summaryRow(runId: string, key: string, p: Points): SummaryRow {
  const last = latestIndex(p);
  let min = Infinity;
  let max = -Infinity;
  const values = p.values;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v - v !== 0) throw new BadPointError(`value ${v} at point ${i}`); // NaN or ±Infinity
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { runId, key, lastValue: p.values[last]!, lastStep: p.steps[last]!, lastTimestamp: p.timestamps[last]!, min, max, count: p.values.length };
}

/** Rows per multi-row statement: 8 columns each stays under D1's 100 bound parameters, and prepares stay few. */
const ROWS_PER_STATEMENT = 12;

/** Inserts chunks and folds summaries in SQL, so concurrent batches and any arrival order agree. */
function metricStatements(db: Db, rows: Array<{ chunks: ChunkRow[]; summary: SummaryRow }>) {
  const s = metricSummaries;
  const newer = sql`(excluded.last_step, excluded.last_timestamp, excluded.last_value) > (${s.lastStep}, ${s.lastTimestamp}, ${s.lastValue})`;
  return [
    ...slices(rows.flatMap((r) => r.chunks), ROWS_PER_STATEMENT).map((chunk) => db.insert(metricChunks).values(chunk)),
    ...slices(rows.map((r) => r.summary), ROWS_PER_STATEMENT).map((summaries) =>
      db
        .insert(s)
        .values(summaries)
        .onConflictDoUpdate({
          target: [s.runId, s.key],
          set: {
            lastValue: sql`CASE WHEN ${newer} THEN excluded.last_value ELSE ${s.lastValue} END`,
            lastTimestamp: sql`CASE WHEN ${newer} THEN excluded.last_timestamp ELSE ${s.lastTimestamp} END`,
            lastStep: sql`CASE WHEN ${newer} THEN excluded.last_step ELSE ${s.lastStep} END`,
            min: sql`min(${s.min}, excluded.min)`,
            max: sql`max(${s.max}, excluded.max)`,
            count: sql`${s.count} + excluded.count`,
          },
        }),
    ),
  ];
}

/**
 * Appends params, tags and metric points to a run in one atomic batch. With a client id, a batch already
 * applied is a no-op reported as duplicate: the id's row goes in first, so a concurrent twin fails whole.
 */
export async function appendToRun(
  db: Db,
  projectId: string,
  runId: string,
  batch: AppendBatch,
  clientId?: { id: string; kind: string },
  /** Other writes that must land in the same atomic batch (sync's run updates). */
  alongside: unknown[] = [],
): Promise<AppendResult> {
  const params = batch.params ?? {};
  const tags = Object.entries(batch.tags ?? {});
  const metrics = batch.metrics ?? [];
  const points = metrics.reduce((n, m) => n + m.values.length, 0);
  const result = { duplicate: false, params: Object.keys(params).length, tags: tags.length, points };
  if (clientId && (await alreadyApplied(db, projectId, clientId.id))) return { ...result, duplicate: true };

  const now = Date.now();
  const statements = [
    ...(clientId ? [db.insert(appliedWrites).values({ projectId, clientId: clientId.id, kind: clientId.kind, runId, appliedAt: now })] : []),
    ...alongside,
    ...paramStatements(db, runId, params),
    ...slices(tags, 30).map((s) =>
      db
        .insert(runTags)
        .values(s.map(([key, value]) => ({ runId, key, value })))
        .onConflictDoUpdate({ target: [runTags.runId, runTags.key], set: { value: sql`excluded.value` } }),
    ),
    ...metricStatements(
      db,
      metrics.filter((m) => m.values.length > 0).map((m) => metricRows(runId, m, now)),
    ),
  ];
  if (statements.length === 0) return result;
  try {
    await db.batch(statements as never);
  } catch (err) {
    if (isNotNullViolation(err, 'run_params.value')) throw (await paramChanged(db, runId, params)) ?? err;
    if (clientId && isUniqueViolation(err) && (await alreadyApplied(db, projectId, clientId.id))) return { ...result, duplicate: true };
    throw err;
  }
  return result;
}

export async function alreadyApplied(db: Db, projectId: string, clientId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: appliedWrites.clientId })
    .from(appliedWrites)
    .where(and(eq(appliedWrites.projectId, projectId), eq(appliedWrites.clientId, clientId)));
  return Boolean(row);
}
