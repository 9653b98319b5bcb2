import { eq } from 'drizzle-orm';
import { forbidden } from '../../shared/errors.js';
import { syncItemSchema, type SyncItem, type SyncResult } from '../../shared/schemas/sync.js';
import { terminalStatuses } from '../../shared/schemas/tracking.js';
import type { Db } from '../db/client.js';
import { runs, type RunRow } from '../db/schema.js';
import { toOutpostError } from '../http/errors.js';
import { ensureExperiment } from './experiments.js';
import { alreadyApplied, appendToRun } from './log.js';
import { randomRunName } from './run-names.js';

/** Sync item ids live in their own namespace, apart from log Idempotency-Keys. */
const syncClientId = (id: string) => `sync:${id}`;

const DEVICE_SOURCES: RunRow['source'][] = ['browser', 'device'];
const DEFAULT_EXPERIMENT = 'on-device';
type ItemResult = SyncResult['results'][number];

/** Device run ids arrive as UUIDs; stored without dashes, like every run id. */
const runIdOf = (item: SyncItem) => item.runId.replace(/-/g, '').toLowerCase();

/**
 * The run an item belongs to. A metric or finish may arrive before its run's create (outboxes reorder on
 * retries): then a pending run is made now and filled in when the create comes.
 */
async function deviceRun(db: Db, projectId: string, runId: string): Promise<RunRow> {
  let [row] = await db.select().from(runs).where(eq(runs.id, runId));
  if (!row) {
    const experiment = await ensureExperiment(db, projectId, DEFAULT_EXPERIMENT);
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

async function applyItem(db: Db, projectId: string, item: SyncItem): Promise<void> {
  const runId = runIdOf(item);
  const run = await deviceRun(db, projectId, runId);
  const clientId = { id: syncClientId(item.id), kind: item.type };
  if (item.type === 'run.create') {
    if (run.pending) {
      const experiment = await ensureExperiment(db, projectId, item.experiment);
      await db
        .update(runs)
        .set({ experimentId: experiment.id, name: item.name || run.name, startTime: item.startTime, deviceId: item.deviceId ?? null, source: item.source, pending: false })
        .where(eq(runs.id, runId));
    }
    await appendToRun(db, projectId, runId, { params: item.params, tags: item.tags }, clientId);
  } else if (item.type === 'run.log') {
    await appendToRun(db, projectId, runId, item, clientId);
  } else {
    if (!terminalStatuses.includes(run.status) || run.endTime === null) {
      await db.update(runs).set({ status: item.status, endTime: item.endTime }).where(eq(runs.id, runId));
    }
    await appendToRun(db, projectId, runId, {}, clientId);
  }
}

/**
 * Applies an outbox batch item by item. Every item carries the client's id: one already applied is reported
 * as a duplicate and changes nothing, so a retried batch is harmless. A bad item is rejected alone.
 */
export async function applySyncBatch(db: Db, projectId: string, items: unknown[]): Promise<SyncResult> {
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
      if (await alreadyApplied(db, projectId, syncClientId(item.id))) {
        results.push({ id: item.id, status: 'duplicate' });
        continue;
      }
      await applyItem(db, projectId, item);
      results.push({ id: item.id, status: 'applied' });
    } catch (err) {
      const e = toOutpostError(err);
      if (e.status >= 500) throw err;
      results.push({ id: item.id, status: 'rejected', error: { code: e.code, message: e.message } });
    }
  }
  return { results };
}

