import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { conflict, notFound } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { topologicalOrder } from '../../shared/pipeline/validate.js';
import type { PipelineRun } from '../../shared/schemas/pipelines.js';
import { isUniqueViolation } from '../db/errors.js';
import { pipelineAttempts, pipelineLinks, pipelineRuns, pipelines, pipelineSteps, pipelineVersions, type PipelineRow, type PipelineRunRow, type PipelineVersionRow } from '../db/schema.js';
import { slices } from '../db/slices.js';
import { advanceRun } from './advance.js';
import { announceFinished } from './events.js';
import { resolveParams } from './params.js';
import type { PipelineScope } from './scope.js';

export interface NewRun {
  params: Record<string, number | string | boolean>;
  noCache: boolean;
  trigger: Record<string, unknown>;
  interval?: { start: number; end: number };
  /** One run per key and pipeline: a second create with the same key answers the first run. */
  dedupeKey?: string;
}

/**
 * Creates a run of a version: the run and all its steps in one batch (nothing half-stored), then the ready steps
 * are queued (or served from the cache). With a dedupe key already used, answers that run with `created: false`.
 */
export async function createRun(scope: PipelineScope, pipeline: PipelineRow, version: PipelineVersionRow, input: NewRun): Promise<{ created: boolean; run: PipelineRunRow }> {
  const { db } = scope;
  const params = resolveParams(version.spec, input.params);
  if (input.dedupeKey) {
    const existing = await findByKey(scope, pipeline, input.dedupeKey);
    if (existing) return { created: false, run: existing };
  }
  const id = newId('prun');
  const now = scope.now();
  const run = {
    id,
    projectId: scope.projectId,
    pipelineId: pipeline.id,
    versionId: version.id,
    status: 'queued' as const,
    params,
    noCache: input.noCache,
    trigger: input.trigger,
    intervalStart: input.interval?.start ?? null,
    intervalEnd: input.interval?.end ?? null,
    dedupeKey: input.dedupeKey ?? null,
    createdAt: now,
    finishedAt: null,
  };
  const steps = topologicalOrder(version.spec).map((name) => {
    const spec = version.spec.steps[name]!;
    return { runId: id, projectId: scope.projectId, name, status: 'pending' as const, spec, runsOn: spec.runsOn, timeoutMs: spec.timeoutMs, availableAt: now };
  });
  try {
    await db.batch([db.insert(pipelineRuns).values(run), ...slices(steps, 9).map((rows) => db.insert(pipelineSteps).values(rows))]);
  } catch (err) {
    if (input.dedupeKey && isUniqueViolation(err)) {
      const twin = await findByKey(scope, pipeline, input.dedupeKey);
      if (twin) return { created: false, run: twin };
    }
    throw err;
  }
  await advanceRun(scope, id);
  return { created: true, run: await getRunRow(scope, id) };
}

async function findByKey({ db }: PipelineScope, pipeline: PipelineRow, key: string) {
  const [row] = await db.select().from(pipelineRuns).where(and(eq(pipelineRuns.pipelineId, pipeline.id), eq(pipelineRuns.dedupeKey, key)));
  return row ?? null;
}

export async function getRunRow({ db, projectId }: PipelineScope, id: string): Promise<PipelineRunRow> {
  const [row] = await db.select().from(pipelineRuns).where(and(eq(pipelineRuns.id, id), eq(pipelineRuns.projectId, projectId)));
  if (!row) throw notFound(`pipeline run "${id}" not found in this project`);
  return row;
}

const wireStatus = (status: string) => (status === 'pending' ? 'queued' : status) as PipelineRun['steps'][string]['status'];

/** A run as the API shows it: each step's state, attempts and outputs, and the lineage its steps reported. */
export async function runJson({ db }: PipelineScope, run: PipelineRunRow): Promise<PipelineRun> {
  const [meta] = await db.select({ name: pipelines.name, version: pipelineVersions.version }).from(pipelineVersions).innerJoin(pipelines, eq(pipelines.id, pipelineVersions.pipelineId)).where(eq(pipelineVersions.id, run.versionId));
  // A cached step's source attempt, joined for its run: the console links to it.
  const source = alias(pipelineAttempts, 'source');
  const rows = await db
    .select({ step: pipelineSteps, cachedFromRun: source.runId })
    .from(pipelineSteps)
    .leftJoin(source, eq(source.id, pipelineSteps.cachedFrom))
    .where(eq(pipelineSteps.runId, run.id))
    .orderBy(asc(pipelineSteps.id));
  const attempts = await db.select().from(pipelineAttempts).where(eq(pipelineAttempts.runId, run.id)).orderBy(asc(pipelineAttempts.number));
  const links = await db.select().from(pipelineLinks).where(eq(pipelineLinks.runId, run.id));
  return {
    ...runSummary(run, meta!),
    steps: Object.fromEntries(
      rows.map(({ step: s, cachedFromRun }) => [
        s.name,
        {
          status: wireStatus(s.status),
          attempts: s.attempts,
          needs: s.spec.needs,
          outputs: s.outputs ?? null,
          error: s.error,
          startedAt: s.startedAt,
          finishedAt: s.finishedAt,
          cachedFrom: s.cachedFrom,
          cachedFromRun,
          attemptIds: attempts.filter((a) => a.stepId === s.id).map((a) => a.id),
          attemptList: attempts
            .filter((a) => a.stepId === s.id)
            .map((a) => ({ id: a.id, number: a.number, status: a.status, runner: a.runner, startedAt: a.startedAt, finishedAt: a.finishedAt, error: a.error })),
        },
      ]),
    ),
    lineage: links.map((l) => ({ step: l.step, kind: l.kind, ref: l.ref, role: l.role })),
  };
}

const runSummary = (run: PipelineRunRow, meta: { name: string; version: number }) => ({
  id: run.id,
  pipeline: meta.name,
  version: meta.version,
  status: run.status,
  params: run.params,
  noCache: run.noCache,
  trigger: run.trigger,
  interval: run.intervalStart !== null && run.intervalEnd !== null ? { start: run.intervalStart, end: run.intervalEnd } : null,
  createdAt: run.createdAt,
  finishedAt: run.finishedAt,
});

/** A project's runs, newest first; of one pipeline when named. */
export async function listRuns(scope: PipelineScope, pipeline: PipelineRow | null, limit: number) {
  const rows = await scope.db
    .select({ run: pipelineRuns, name: pipelines.name, version: pipelineVersions.version })
    .from(pipelineRuns)
    .innerJoin(pipelineVersions, eq(pipelineVersions.id, pipelineRuns.versionId))
    .innerJoin(pipelines, eq(pipelines.id, pipelineRuns.pipelineId))
    .where(and(eq(pipelineRuns.projectId, scope.projectId), pipeline ? eq(pipelineRuns.pipelineId, pipeline.id) : undefined))
    .orderBy(desc(pipelineRuns.createdAt), desc(pipelineRuns.id))
    .limit(limit);
  return rows.map((r) => runSummary(r.run, r));
}

/**
 * Cancels a run: steps not yet final are cancelled (a running step's runner learns it from its next heartbeat).
 * Cancelling a cancelled run again changes nothing; a run that already ended is a 409.
 */
export async function cancelRun(scope: PipelineScope, run: PipelineRunRow): Promise<PipelineRunRow> {
  if (run.status === 'cancelled') return run;
  if (run.status === 'succeeded' || run.status === 'failed') throw conflict(`pipeline run "${run.id}" already ${run.status}; nothing to cancel`);
  const now = scope.now();
  const [, ended] = await scope.db.batch([
    scope.db.update(pipelineSteps).set({ status: 'cancelled', finishedAt: now }).where(and(eq(pipelineSteps.runId, run.id), inArray(pipelineSteps.status, ['pending', 'queued', 'running']))),
    scope.db.update(pipelineRuns).set({ status: 'cancelled', finishedAt: now }).where(and(eq(pipelineRuns.id, run.id), inArray(pipelineRuns.status, ['queued', 'running']))).returning({ id: pipelineRuns.id }),
  ]);
  if ((ended as unknown[]).length) await announceFinished(scope, run, 'cancelled');
  return getRunRow(scope, run.id);
}
