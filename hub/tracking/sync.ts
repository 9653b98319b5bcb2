import { emitEvent } from '../webhooks/events.js';
import { and, eq, inArray, isNull, or } from 'drizzle-orm';
import { forbidden } from '../../shared/errors.js';
import { runCreateItemSchema, runDatasetsItemSchema, runFinishItemSchema, runLogItemSchema, type RunSyncItem } from '../../shared/schemas/sync.js';
import type { ProjectScope } from '../core/scope.js';
import { syncHandler, type SyncHandlers } from '../core/sync/dispatcher.js';
import { runs, type RunRow } from '../db/schema.js';
import { ensureExperiment } from './experiments.js';
import { resolveRef } from '../datasets/datasets.js';
import { versionInput } from '../datasets/lineage.js';
import { logDatasetInputs } from './inputs.js';
import { appendToRun } from './log.js';
import { randomRunName } from './run-names.js';

const DEVICE_SOURCES: RunRow['source'][] = ['browser', 'device'];
const DEFAULT_EXPERIMENT = 'on-device';

/** Device run ids arrive as UUIDs; stored without dashes, like every run id. */
const runIdOf = (item: Pick<RunSyncItem, 'runId'>) => item.runId.replace(/-/g, '').toLowerCase();

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
 * A device's runs, sent from its outbox: each item's writes (its run update, params, tags or points) go in one
 * atomic batch with its record in the idempotency ledger, so a refused or interrupted item can simply be sent again.
 */
export const runSyncHandlers: SyncHandlers = {
  description:
    'Publishable keys may write only device runs of their project (run.create, run.log, run.finish). A `run.datasets` item records the dataset versions a run read ' +
    '(as POST /v1/runs/{id}/datasets); it needs a secret key, as reading datasets does.',
  handlers: {
    'run.create': syncHandler({
      schema: runCreateItemSchema,
      runIdOf,
      async apply(scope, item, record) {
        const run = await deviceRun(scope, runIdOf(item));
        const experiment = await ensureExperiment(scope, item.experiment);
        // Only a pending run (made by an earlier metric or finish) takes the create's fields; a finished one keeps its status.
        const fillIn = scope.db
          .update(runs)
          .set({ experimentId: experiment.id, ...(item.name ? { name: item.name } : {}), startTime: item.startTime, deviceId: item.deviceId ?? null, source: item.source, pending: false })
          .where(and(eq(runs.id, run.id), eq(runs.pending, true)));
        await appendToRun(scope, run, { params: item.params, tags: item.tags }, [record, fillIn]);
      },
    }),
    'run.log': syncHandler({
      schema: runLogItemSchema,
      runIdOf,
      async apply(scope, item, record) {
        await appendToRun(scope, await deviceRun(scope, runIdOf(item)), item, [record]);
      },
    }),
    'run.finish': syncHandler({
      schema: runFinishItemSchema,
      runIdOf,
      async apply(scope, item, record) {
        const run = await deviceRun(scope, runIdOf(item));
        const finish = scope.db
          .update(runs)
          .set({ status: item.status, endTime: item.endTime })
          .where(and(eq(runs.id, run.id), or(inArray(runs.status, ['RUNNING', 'SCHEDULED']), isNull(runs.endTime))));
        const events = ['RUNNING', 'SCHEDULED'].includes(run.status) ? await emitEvent(scope, 'run.finished', { runId: run.id, experimentId: run.experimentId, name: run.name, status: item.status, endTime: item.endTime }) : [];
        await appendToRun(scope, run, {}, [record, finish, ...events]);
      },
    }),
    'run.datasets': syncHandler({
      schema: runDatasetsItemSchema,
      runIdOf,
      async apply(scope, item, record) {
        if (scope.principal?.kind === 'publishable') throw forbidden('publishable keys cannot record dataset inputs: datasets are read with secret keys only');
        // Refs first: an unknown one rejects the item before any run is made for it.
        const resolved = await Promise.all(item.datasets.map((d) => resolveRef(scope, d.ref)));
        const run = await deviceRun(scope, runIdOf(item));
        await logDatasetInputs(scope, run, resolved.map(({ dataset, version }, i) => versionInput(dataset, version, item.datasets[i]!.context)), [record]);
      },
    }),
  },
};
