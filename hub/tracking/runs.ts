import { emitEvent } from '../webhooks/events.js';
import { eq, sql } from 'drizzle-orm';
import { badRequest, forbidden, notFound } from '../../shared/errors.js';
import { terminalStatuses, type CreateRun, type Run, type RunStatus } from '../../shared/schemas/tracking.js';
import type { ProjectScope } from '../core/scope.js';
import { slices } from '../db/slices.js';
import { runParams, runs, runTags, type RunRow } from '../db/schema.js';
import { getExperiment } from './experiments.js';
import { newRunId, randomRunName } from './run-names.js';

export { slices } from '../db/slices.js';

/** The run of this project, or 404 / 403 (another project's). */
export async function getRunRow({ db, projectId }: ProjectScope, runId: string): Promise<RunRow> {
  const [row] = await db.select().from(runs).where(eq(runs.id, runId));
  if (!row) throw notFound(`run "${runId}" does not exist`);
  if (row.projectId !== projectId) throw forbidden(`run "${runId}" belongs to another project`);
  return row;
}

/** Creates a run; returns its row too, so callers go on with it without looking it up again. */
export async function createRun(scope: ProjectScope, input: CreateRun & { id?: string }): Promise<{ row: RunRow; run: Run }> {
  const { db, projectId } = scope;
  const experiment = await getExperiment(scope, input.experimentId);
  if (experiment.lifecycle === 'deleted') throw badRequest(`experiment "${experiment.name}" is deleted; restore it before adding runs`);
  if (input.parentRunId) await getRunRow(scope, input.parentRunId);
  const status = input.status ?? 'RUNNING';
  const row: RunRow = {
    id: input.id ?? newRunId(),
    projectId,
    experimentId: experiment.id,
    name: input.name || randomRunName(),
    status,
    startTime: input.startTime ?? Date.now(),
    endTime: terminalStatuses.includes(status) ? Date.now() : null,
    source: input.source ?? 'api',
    deviceId: input.deviceId ?? null,
    parentRunId: input.parentRunId ?? null,
    userId: input.userId ?? null,
    lifecycle: 'active',
    pending: false,
  };
  const params = Object.entries(input.params ?? {});
  const tags = Object.entries(input.tags ?? {});
  const events = terminalStatuses.includes(status) ? await emitEvent(scope, 'run.finished', { runId: row.id, experimentId: row.experimentId, name: row.name, status, endTime: row.endTime }) : [];
  await db.batch([
    db.insert(runs).values(row),
    ...events,
    ...slices(params, 30).map((s) => db.insert(runParams).values(s.map(([key, value]) => ({ runId: row.id, key, value })))),
    ...slices(tags, 30).map((s) => db.insert(runTags).values(s.map(([key, value]) => ({ runId: row.id, key, value })))),
  ] as never);
  return { row, run: toRun(row, Object.fromEntries(params), Object.fromEntries(tags), {}) };
}

export function toRun(row: RunRow, params: Run['params'], tags: Run['tags'], metrics: Run['metrics']): Run {
  return {
    id: row.id,
    experimentId: row.experimentId,
    name: row.name,
    status: row.status,
    startTime: row.startTime,
    endTime: row.endTime,
    source: row.source,
    deviceId: row.deviceId,
    parentRunId: row.parentRunId,
    userId: row.userId,
    lifecycle: row.lifecycle,
    params,
    tags,
    metrics,
  };
}

type Grouped = { run_id: string; entries: string };

/**
 * Params, tags and metric summaries of many runs. Each comes back as one JSON object per run (SQLite builds
 * it): converting a row costs the driver more than parsing JSON does, and a page has thousands of entries.
 */
export async function runDetails({ db }: ProjectScope, rows: RunRow[]): Promise<Run[]> {
  const params = new Map<string, Run['params']>();
  const tags = new Map<string, Run['tags']>();
  const metrics = new Map<string, Run['metrics']>();
  for (const slice of slices(rows.map((r) => r.id))) {
    const ids = sql.join(slice.map((id) => sql`${id}`), sql`, `);
    const [p, t, m] = await Promise.all([
      db.all<Grouped>(sql`SELECT run_id, json_group_object(key, value) AS entries FROM run_params WHERE run_id IN (${ids}) GROUP BY run_id`),
      db.all<Grouped>(sql`SELECT run_id, json_group_object(key, value) AS entries FROM run_tags WHERE run_id IN (${ids}) GROUP BY run_id`),
      db.all<Grouped>(
        // JSON would round reals to 15 digits; printf's 17 significant digits round-trip every double.
        sql`SELECT run_id, json_group_object(key, json_array(printf('%!.17g', last_value), last_step, last_timestamp, printf('%!.17g', min), printf('%!.17g', max), count)) AS entries FROM metric_summaries WHERE run_id IN (${ids}) GROUP BY run_id`,
      ),
    ]);
    for (const r of p) params.set(r.run_id, JSON.parse(r.entries));
    for (const r of t) tags.set(r.run_id, JSON.parse(r.entries));
    for (const r of m) {
      const entries = JSON.parse(r.entries) as Record<string, [string, number, number, string, string, number]>;
      metrics.set(
        r.run_id,
        Object.fromEntries(Object.entries(entries).map(([key, [value, step, timestamp, min, max, count]]) => [key, { value: Number(value), step, timestamp, min: Number(min), max: Number(max), count }])),
      );
    }
  }
  return rows.map((row) => toRun(row, params.get(row.id) ?? {}, tags.get(row.id) ?? {}, metrics.get(row.id) ?? {}));
}

/** One run with its params, tags and latest metrics. */
export async function getRun(scope: ProjectScope, runId: string): Promise<Run> {
  const [run] = await runDetails(scope, [await getRunRow(scope, runId)]);
  return run!;
}

/** Renames, ends, deletes or restores a run already resolved with getRunRow (or just created). */
export async function updateRun(
  scope: ProjectScope,
  row: RunRow,
  patch: { name?: string; status?: RunStatus; endTime?: number; lifecycle?: 'active' | 'deleted' },
): Promise<Run> {
  const next: Partial<RunRow> = {};
  if (patch.name !== undefined) next.name = patch.name;
  if (patch.lifecycle !== undefined) next.lifecycle = patch.lifecycle;
  if (patch.status !== undefined) {
    next.status = patch.status;
    // Ending a run stamps its end time unless the caller gave one; reopening clears it.
    if (terminalStatuses.includes(patch.status)) next.endTime = patch.endTime ?? row.endTime ?? Date.now();
    else next.endTime = null;
  } else if (patch.endTime !== undefined) next.endTime = patch.endTime;
  // A run that ends (from RUNNING or SCHEDULED) queues its run.finished event with the update.
  const finishing = next.status !== undefined && terminalStatuses.includes(next.status) && !terminalStatuses.includes(row.status);
  const events = finishing ? await emitEvent(scope, 'run.finished', { runId: row.id, experimentId: row.experimentId, name: next.name ?? row.name, status: next.status, endTime: next.endTime }) : [];
  if (Object.keys(next).length) await scope.db.batch([scope.db.update(runs).set(next).where(eq(runs.id, row.id)), ...events]);
  const [run] = await runDetails(scope, [{ ...row, ...next }]);
  return run!;
}
