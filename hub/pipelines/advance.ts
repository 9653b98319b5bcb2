import { and, eq, inArray } from 'drizzle-orm';
import { stepFingerprint } from '../../shared/pipeline/canonical.js';
import { pipelineCache, pipelineRuns, pipelineSteps, pipelineVersions, type PipelineRunRow, type PipelineStepRow } from '../db/schema.js';
import type { PipelineScope } from './scope.js';

const DONE = new Set(['succeeded', 'cached']);
const STOPPED = new Set(['failed', 'skipped', 'cancelled']);
const FINAL = new Set([...DONE, ...STOPPED]);

/**
 * Moves a run forward from what its steps say: a pending step whose needs all succeeded is queued (or, on a cache
 * hit, marked cached with the earlier outputs, and its dependants looked at in the same pass); one whose need
 * failed, was skipped or cancelled is skipped; a run whose steps are all final is finished. Every change is a
 * conditional UPDATE, so concurrent calls (two steps finishing at once, the sweep) agree.
 */
export async function advanceRun(scope: PipelineScope, runId: string): Promise<void> {
  const { db } = scope;
  const [run] = await db.select().from(pipelineRuns).where(eq(pipelineRuns.id, runId));
  if (!run || run.status === 'succeeded' || run.status === 'failed' || run.status === 'cancelled') return;
  const steps = await db.select().from(pipelineSteps).where(eq(pipelineSteps.runId, runId)).orderBy(pipelineSteps.id);
  const byName = new Map(steps.map((s) => [s.name, s]));
  let codeDigest: string | null = null;
  const now = scope.now();
  // Steps were inserted in topological order, so one pass settles chains of cache hits.
  for (const step of steps) {
    if (step.status !== 'pending') continue;
    const needs = step.spec.needs.map((n) => byName.get(n)!);
    if (needs.some((n) => STOPPED.has(n.status))) {
      await db.update(pipelineSteps).set({ status: 'skipped', finishedAt: now }).where(and(eq(pipelineSteps.id, step.id), eq(pipelineSteps.status, 'pending')));
      step.status = 'skipped';
      continue;
    }
    if (!needs.every((n) => DONE.has(n.status))) continue;
    const inputs = Object.fromEntries(needs.map((n) => [n.name, n.outputs ?? {}]));
    codeDigest ??= (await db.select({ d: pipelineVersions.codeDigest }).from(pipelineVersions).where(eq(pipelineVersions.id, run.versionId)))[0]!.d;
    const fingerprint = await stepFingerprint({ codeDigest, step: step.name, inputs, params: run.params });
    const hit = step.spec.cache && !run.noCache ? await cacheHit(scope, fingerprint) : null;
    if (hit) {
      await db
        .update(pipelineSteps)
        .set({ status: 'cached', fingerprint, outputs: hit.outputs, cachedFrom: hit.attemptId, finishedAt: now })
        .where(and(eq(pipelineSteps.id, step.id), eq(pipelineSteps.status, 'pending')));
      Object.assign(step, { status: 'cached', outputs: hit.outputs });
    } else {
      await db.update(pipelineSteps).set({ status: 'queued', fingerprint, availableAt: now }).where(and(eq(pipelineSteps.id, step.id), eq(pipelineSteps.status, 'pending')));
      step.status = 'queued';
    }
  }
  await finishIfDone(scope, run, steps);
}

async function cacheHit({ db, projectId }: PipelineScope, fingerprint: string) {
  const [row] = await db.select().from(pipelineCache).where(and(eq(pipelineCache.projectId, projectId), eq(pipelineCache.fingerprint, fingerprint)));
  return row ?? null;
}

async function finishIfDone({ db, now }: PipelineScope, run: PipelineRunRow, steps: PipelineStepRow[]) {
  if (!steps.every((s) => FINAL.has(s.status))) return;
  const status = steps.some((s) => s.status === 'failed') ? 'failed' : steps.some((s) => s.status === 'cancelled') ? 'cancelled' : steps.every((s) => DONE.has(s.status)) ? 'succeeded' : 'failed';
  await db.update(pipelineRuns).set({ status, finishedAt: now() }).where(and(eq(pipelineRuns.id, run.id), inArray(pipelineRuns.status, ['queued', 'running'])));
}
