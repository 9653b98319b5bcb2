import { Cron } from 'croner';
import { and, asc, eq, gt } from 'drizzle-orm';
import { badRequest } from '../../shared/errors.js';
import type { Db } from '../db/client.js';
import { aliasEvents, datasets, datasetVersions, modelVersions, pipelines, pipelineSchedules, pipelineSubscriptions, registeredModels, type PipelineRow } from '../db/schema.js';
import { expireLeases } from './leases.js';
import { createRun } from './runs.js';
import type { PipelineScope } from './scope.js';
import { getVersion } from './versions.js';

const MAX_INTERVALS = 1000;
const cronOf = (expr: string) => new Cron(expr, { paused: true, timezone: 'Etc/UTC' });

/** The data interval that ends at fire time `end`: from the fire before it. */
function intervalEndingAt(cron: Cron, end: Date) {
  const start = cron.previousRuns(1, end)[0] ?? end;
  return { start: start.getTime(), end: end.getTime() };
}

/** Starts the run of one interval of the latest version, once: the interval's start is the run's dedupe key. */
async function runInterval(scope: PipelineScope, pipeline: PipelineRow, interval: { start: number; end: number }, trigger: 'schedule' | 'backfill') {
  const version = await getVersion(scope, pipeline);
  return createRun(scope, pipeline, version, { params: {}, noCache: false, trigger: { type: trigger }, interval, dedupeKey: `interval:${interval.start}` });
}

/**
 * Runs each pipeline's intervals that ended since the last sweep: only the latest one unless the schedule catches
 * up, so a hub that was down does not start a burst of runs.
 */
export async function runSchedules(db: Db, now: number): Promise<number> {
  let started = 0;
  for (const schedule of await db.select().from(pipelineSchedules)) {
    const cron = cronOf(schedule.cron);
    const fires: Date[] = [];
    for (let t = new Date(schedule.handledUntil); fires.length < MAX_INTERVALS; ) {
      const next = cron.nextRun(t);
      if (!next || next.getTime() > now) break;
      fires.push(next);
      t = next;
    }
    if (!fires.length) continue;
    const scope = { db, projectId: schedule.projectId, now: () => now };
    const [pipeline] = await db.select().from(pipelines).where(eq(pipelines.id, schedule.pipelineId));
    // Claim the fires first: a concurrent sweep that read the same handledUntil finds nothing to claim.
    const claimed = await db
      .update(pipelineSchedules)
      .set({ handledUntil: fires.at(-1)!.getTime() })
      .where(and(eq(pipelineSchedules.pipelineId, schedule.pipelineId), eq(pipelineSchedules.handledUntil, schedule.handledUntil)))
      .returning({ id: pipelineSchedules.pipelineId });
    if (!claimed.length || !pipeline) continue;
    for (const end of schedule.catchup ? fires : [fires.at(-1)!]) if ((await runInterval(scope, pipeline, intervalEndingAt(cron, end), 'schedule')).created) started++;
  }
  return started;
}

/** One run for each interval of the schedule inside [from, to]; an interval that has a run already keeps it. */
export async function backfill(scope: PipelineScope, pipeline: PipelineRow, from: number, to: number) {
  const version = await getVersion(scope, pipeline);
  if (!version.spec.schedule) throw badRequest(`pipeline "${pipeline.name}" has no schedule to backfill (add schedule: '<cron>' and register it)`);
  if (!(from < to)) throw badRequest('from must be before to');
  const cron = cronOf(version.spec.schedule.cron);
  const intervals: { start: number; end: number }[] = [];
  let start = cron.nextRun(new Date(from - 1));
  while (start) {
    const end = cron.nextRun(start);
    if (!end || end.getTime() > to) break;
    if (intervals.length === MAX_INTERVALS) throw badRequest(`from..to holds more than ${MAX_INTERVALS} intervals; backfill a shorter range at a time`);
    intervals.push({ start: start.getTime(), end: end.getTime() });
    start = end;
  }
  const created: string[] = [];
  const existing: string[] = [];
  for (const interval of intervals) {
    const { created: isNew, run } = await runInterval(scope, pipeline, interval, 'backfill');
    (isNew ? created : existing).push(run.id);
  }
  return { created, existing, intervals: intervals.length };
}

export interface PipelineEvent {
  id: string;
  type: 'dataset.version' | 'model.version' | 'model.alias';
  subject: string;
  ref?: string;
}

const KIND = { 'dataset.version': 'dataset', 'model.version': 'model', 'model.alias': 'alias' } as const;

/** Starts every pipeline subscribed to the event's subject, once per event id (an event sent twice starts one run). */
export async function startSubscribers(scope: PipelineScope, event: PipelineEvent, onlyPipelineId?: number): Promise<{ pipeline: string; run: string; created: boolean }[]> {
  const subs = await scope.db
    .select({ pipeline: pipelines })
    .from(pipelineSubscriptions)
    .innerJoin(pipelines, eq(pipelines.id, pipelineSubscriptions.pipelineId))
    .where(and(eq(pipelineSubscriptions.projectId, scope.projectId), eq(pipelineSubscriptions.kind, KIND[event.type]), eq(pipelineSubscriptions.subject, event.subject), onlyPipelineId === undefined ? undefined : eq(pipelineSubscriptions.pipelineId, onlyPipelineId)));
  const out = [];
  for (const { pipeline } of subs) {
    const version = await getVersion(scope, pipeline);
    const { created, run } = await createRun(scope, pipeline, version, { params: {}, noCache: false, trigger: { type: 'event', event: event.id, eventType: event.type, subject: event.subject, ...(event.ref ? { ref: event.ref } : {}) }, dedupeKey: `event:${event.id}` });
    out.push({ pipeline: pipeline.name, run: run.id, created });
  }
  return out;
}

/** New dataset versions, model versions and alias moves since each subscription's cursor, as events. */
export async function runSubscriptions(db: Db, now: number): Promise<number> {
  let started = 0;
  for (const sub of await db.select().from(pipelineSubscriptions)) {
    const scope = { db, projectId: sub.projectId, now: () => now };
    const events: { cursor: number; event: PipelineEvent }[] = [];
    if (sub.kind === 'dataset') {
      const rows = await db
        .select({ v: datasetVersions.version })
        .from(datasetVersions)
        .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
        .where(and(eq(datasets.projectId, sub.projectId), eq(datasets.name, sub.subject), gt(datasetVersions.version, sub.cursor)))
        .orderBy(asc(datasetVersions.version))
        .limit(100);
      for (const r of rows) events.push({ cursor: r.v, event: { id: `dataset.version:${sub.subject}/${r.v}`, type: 'dataset.version', subject: sub.subject, ref: `${sub.subject}/${r.v}` } });
    } else if (sub.kind === 'model') {
      const rows = await db
        .select({ v: modelVersions.version })
        .from(modelVersions)
        .innerJoin(registeredModels, eq(registeredModels.id, modelVersions.modelId))
        .where(and(eq(registeredModels.projectId, sub.projectId), eq(registeredModels.name, sub.subject), gt(modelVersions.version, sub.cursor)))
        .orderBy(asc(modelVersions.version))
        .limit(100);
      for (const r of rows) events.push({ cursor: r.v, event: { id: `model.version:${sub.subject}/${r.v}`, type: 'model.version', subject: sub.subject, ref: `${sub.subject}/${r.v}` } });
    } else {
      const [model, alias] = sub.subject.split('@') as [string, string];
      const rows = await db
        .select({ id: aliasEvents.id, to: aliasEvents.toVersion })
        .from(aliasEvents)
        .innerJoin(registeredModels, eq(registeredModels.id, aliasEvents.modelId))
        .where(and(eq(registeredModels.projectId, sub.projectId), eq(registeredModels.name, model), eq(aliasEvents.alias, alias), gt(aliasEvents.id, sub.cursor)))
        .orderBy(asc(aliasEvents.id))
        .limit(100);
      for (const r of rows) events.push({ cursor: r.id, event: { id: `model.alias:${r.id}`, type: 'model.alias', subject: sub.subject, ...(r.to !== null ? { ref: `${model}/${r.to}` } : {}) } });
    }
    for (const { cursor, event } of events) {
      for (const r of await startSubscribers(scope, event, sub.pipelineId)) if (r.created) started++;
      await db
        .update(pipelineSubscriptions)
        .set({ cursor })
        .where(and(eq(pipelineSubscriptions.pipelineId, sub.pipelineId), eq(pipelineSubscriptions.kind, sub.kind), eq(pipelineSubscriptions.subject, sub.subject)));
    }
  }
  return started;
}

/**
 * The hub's periodic pipeline work, for every project: expired leases and timeouts settled, scheduled intervals
 * and new events started. A timer calls it on Node, a cron trigger on Workers; `now` is injectable for tests.
 */
export async function sweepPipelines(db: Db, now = Date.now()) {
  const expired = await expireLeases({ db, projectId: '', now: () => now }, true);
  const scheduled = await runSchedules(db, now);
  const triggered = await runSubscriptions(db, now);
  return { expired, scheduled, triggered };
}
