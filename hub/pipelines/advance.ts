import { and, count, eq, inArray, sql } from 'drizzle-orm';
import { stepFingerprint } from '../../shared/pipeline/canonical.js';
import { pipelineCache, pipelineRuns, pipelineSteps, pipelineVersions, type PipelineRunRow, type PipelineStepRow } from '../db/schema.js';
import { announceFinished } from './events.js';
import type { PipelineScope } from './scope.js';

const DONE = new Set(['succeeded', 'cached']);
const STOPPED = new Set(['failed', 'skipped', 'cancelled']);
const OPEN = ['pending', 'queued', 'running'] as const;

type Need = Pick<PipelineStepRow, 'name' | 'status' | 'outputs'>;

/**
 * Moves a run forward: a pending step whose needs all succeeded is queued (or, on a cache hit, marked cached with
 * the earlier outputs); one whose need failed, was skipped or cancelled is skipped; a run with no open step left is
 * finished. With `changed`, only the dependants of those steps are looked at (and theirs, when they are settled
 * here): a step's completion costs its dependants, not the whole run. Every change is a conditional UPDATE, so
 * concurrent calls (two steps finishing at once, the sweep) agree.
 */
export async function advanceRun(scope: PipelineScope, runId: string, changed?: string[]): Promise<void> {
  const { db } = scope;
  const [run] = await db.select().from(pipelineRuns).where(eq(pipelineRuns.id, runId));
  if (!run || run.status === 'succeeded' || run.status === 'failed' || run.status === 'cancelled') return;
  const code = { digest: null as string | null };
  let open = false;
  if (!changed) {
    // Steps were inserted in topological order, so one pass settles chains of cache hits and skips.
    const steps = await db.select().from(pipelineSteps).where(eq(pipelineSteps.runId, runId)).orderBy(pipelineSteps.id);
    const byName = new Map(steps.map((s) => [s.name, s]));
    for (const step of steps) if (step.status === 'pending') step.status = await settle(scope, run, step, step.spec.needs.map((n) => byName.get(n)!), code, step);
  } else {
    const work = [...changed];
    while (work.length) {
      const name = work.pop()!;
      const dependants = await db
        .select()
        .from(pipelineSteps)
        .where(and(eq(pipelineSteps.runId, runId), eq(pipelineSteps.status, 'pending'), sql`exists (select 1 from json_each(${pipelineSteps.spec}, '$.needs') j where j.value = ${name})`));
      for (const step of dependants) {
        const needs = await db.select({ name: pipelineSteps.name, status: pipelineSteps.status, outputs: pipelineSteps.outputs }).from(pipelineSteps).where(and(eq(pipelineSteps.runId, runId), inArray(pipelineSteps.name, step.spec.needs)));
        const status = await settle(scope, run, step, needs, code);
        if (status === 'cached' || status === 'skipped') work.push(step.name);
        else open = true;
      }
    }
  }
  // A step left queued or pending here means the run goes on: no need to count.
  if (!open) await finishIfDone(scope, run);
}

/** Decides one pending step from its needs and writes the decision; returns its status now. */
async function settle(scope: PipelineScope, run: PipelineRunRow, step: PipelineStepRow, needs: Need[], code: { digest: string | null }, mirror?: Need): Promise<PipelineStepRow['status']> {
  const { db } = scope;
  const now = scope.now();
  const pending = and(eq(pipelineSteps.id, step.id), eq(pipelineSteps.status, 'pending'));
  if (needs.some((n) => STOPPED.has(n.status))) {
    await db.update(pipelineSteps).set({ status: 'skipped', finishedAt: now }).where(pending);
    return 'skipped';
  }
  if (!needs.every((n) => DONE.has(n.status))) return 'pending';
  const inputs = Object.fromEntries(needs.map((n) => [n.name, n.outputs ?? {}]));
  code.digest ??= (await db.select({ d: pipelineVersions.codeDigest }).from(pipelineVersions).where(eq(pipelineVersions.id, run.versionId)))[0]!.d;
  const fingerprint = await stepFingerprint({ codeDigest: code.digest, step: step.name, inputs, params: run.params });
  const [hit] = step.spec.cache && !run.noCache ? await db.select().from(pipelineCache).where(and(eq(pipelineCache.projectId, run.projectId), eq(pipelineCache.fingerprint, fingerprint))) : [];
  if (hit) {
    await db.update(pipelineSteps).set({ status: 'cached', fingerprint, outputs: hit.outputs, cachedFrom: hit.attemptId, finishedAt: now }).where(pending);
    if (mirror) mirror.outputs = hit.outputs;
    return 'cached';
  }
  await db.update(pipelineSteps).set({ status: 'queued', fingerprint, availableAt: now }).where(pending);
  return 'queued';
}

async function finishIfDone(scope: PipelineScope, run: PipelineRunRow) {
  const { db, now } = scope;
  const counts = await db.select({ status: pipelineSteps.status, n: count() }).from(pipelineSteps).where(eq(pipelineSteps.runId, run.id)).groupBy(pipelineSteps.status);
  const has = (s: string) => counts.some((c) => c.status === s && c.n > 0);
  if (OPEN.some(has)) return;
  const status = has('failed') ? 'failed' : has('cancelled') ? 'cancelled' : has('skipped') ? 'failed' : 'succeeded';
  const ended = await db.update(pipelineRuns).set({ status, finishedAt: now() }).where(and(eq(pipelineRuns.id, run.id), inArray(pipelineRuns.status, ['queued', 'running']))).returning({ id: pipelineRuns.id });
  if (ended.length) await announceFinished(scope, run, status);
}
