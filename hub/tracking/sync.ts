import { and, eq, inArray, isNull, or } from 'drizzle-orm';
import { forbidden } from '../../shared/errors.js';
import { syncItemSchema, type RunSyncItem, type SyncResult } from '../../shared/schemas/sync.js';
import { toOutpostError } from '../core/errors.js';
import { applyOnce, type RecordStatement } from '../core/idempotency.js';
import type { ProjectScope, Scope } from '../core/scope.js';
import { runs, type RunRow } from '../db/schema.js';
import { recordTelemetry } from '../telemetry/record.js';
import { ensureExperiment } from './experiments.js';
import { appendToRun } from './log.js';
import { randomRunName } from './run-names.js';

/** Sync item ids live in their own namespace, apart from log Idempotency-Keys. */
const syncClientId = (id: string) => `sync:${id}`;

const DEVICE_SOURCES: RunRow['source'][] = ['browser', 'device'];
const DEFAULT_EXPERIMENT = 'on-device';
type ItemResult = SyncResult['results'][number];

/** Device run ids arrive as UUIDs; stored without dashes, like every run id. */
const runIdOf = (item: RunSyncItem) => item.runId.replace(/-/g, '').toLowerCase();

/**
 * The run an item belongs to. A metric or finish may arrive before its run's create (outboxes reorder on
 * retries): then a pending run is made now and filled in when the create comes.
 */
async function deviceRun(scope: ProjectScope, runId: string): Promise<RunRow> {
  const { db, projectId } = scope;
  let [row] = await db.select().from(runs).where(eq(runs.id, runId));
  if (!row) {
    const experiment = await ensureExperiment(scope, DEFAULT_EXPERIMENT);
    await db
      .insert(runs)
      .values({ id: runId, projectId, experimentId: experiment.id, name: randomRunName(), status: 'RUNNING', startTime: Date.now(), source: 'browser', lifecycle: 'active', pending: true })
      .onConflictDoNothing();
    [row] = await db.select().from(runs).where(eq(runs.id, runId));
  }
  if (!row || row.projectId !== projectId) throw forbidden(`run ${runId} belongs to another project`);
  if (!DEVICE_SOURCES.includes(row.source)) throw forbidden(`run ${runId} is not a device run; sync writes only browser and device runs`);
  return row;
}

/**
 * Applies one item in one atomic batch: the item's id, its run update and its params, tags or points land
 * together or not at all, so a refused or interrupted item can simply be sent again.
 */
async function applyItem(scope: ProjectScope, item: RunSyncItem, record: RecordStatement): Promise<void> {
  const { db } = scope;
  const runId = runIdOf(item);
  const run = await deviceRun(scope, runId);
  if (item.type === 'run.create') {
    const experiment = await ensureExperiment(scope, item.experiment);
    // Only a pending run (made by an earlier metric or finish) takes the create's fields; a finished one keeps its status.
    const fillIn = db
      .update(runs)
      .set({ experimentId: experiment.id, ...(item.name ? { name: item.name } : {}), startTime: item.startTime, deviceId: item.deviceId ?? null, source: item.source, pending: false })
      .where(and(eq(runs.id, runId), eq(runs.pending, true)));
    return appendToRun(scope, run, { params: item.params, tags: item.tags }, [record, fillIn]);
  }
  if (item.type === 'run.log') return appendToRun(scope, run, item, [record]);
  const finish = db
    .update(runs)
    .set({ status: item.status, endTime: item.endTime })
    .where(and(eq(runs.id, runId), or(inArray(runs.status, ['RUNNING', 'SCHEDULED']), isNull(runs.endTime))));
  return appendToRun(scope, run, {}, [record, finish]);
}

/**
 * Applies an outbox batch (run items and telemetry reports) item by item. Every item carries the client's id: one
 * already applied is reported as a duplicate and changes nothing, so a retried batch is harmless. A bad item is
 * rejected alone.
 */
export async function applySyncBatch(scope: Scope, items: unknown[]): Promise<SyncResult> {
  const results: ItemResult[] = [];
  for (const raw of items) {
    const parsed = syncItemSchema.safeParse(raw);
    const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : null;
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join('.') || '(item)'}: ${i.message}`).join('; ');
      results.push({ id, status: 'rejected', error: { code: 'validation_failed', message } });
      continue;
    }
    const item = parsed.data;
    try {
      const write = { id: syncClientId(item.id), kind: item.type, runId: item.type === 'telemetry' ? null : runIdOf(item) };
      const { duplicate } = await applyOnce(scope, write, (record) => (item.type === 'telemetry' ? recordTelemetry(scope, item, [record]) : applyItem(scope, item, record)));
      results.push({ id: item.id, status: duplicate ? 'duplicate' : 'applied' });
    } catch (err) {
      const e = toOutpostError(err);
      if (e.status >= 500) throw err;
      results.push({ id: item.id, status: 'rejected', error: { code: e.code, message: e.message } });
    }
  }
  return { results };
}

