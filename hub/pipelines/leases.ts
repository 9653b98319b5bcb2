import { and, eq, inArray, isNotNull, lt, or, sql } from 'drizzle-orm';
import { notFound } from '../../shared/errors.js';
import { outputProblem, retryDelay } from '../../shared/pipeline/define.js';
import { PIPELINE_LIMITS } from '../../shared/pipeline/spec.js';
import type { CompleteAttempt, Lease } from '../../shared/schemas/pipelines.js';
import { pipelineAttempts, pipelineCache, pipelineLinks, pipelineRuns, pipelineSteps, pipelineVersions, pipelines, type PipelineStepRow } from '../db/schema.js';
import { advanceRun } from './advance.js';
import type { PipelineScope } from './scope.js';

export const attemptIdOf = (runId: string, step: string, n: number) => `${runId}.${step}.${n}`;

/** `<run id>.<step>.<n>` back into its parts; a malformed id is a 404 like an unknown one. */
function parseAttemptId(id: string) {
  const m = /^(prun_[A-Za-z0-9]+)\.([A-Za-z][A-Za-z0-9_-]{0,63})\.(\d+)$/.exec(id);
  if (!m) throw notFound(`attempt "${id}" not found`);
  return { runId: m[1]!, step: m[2]!, number: Number(m[3]) };
}

/** The step row of an attempt in this project. */
async function stepOfAttempt({ db, projectId }: PipelineScope, attemptId: string) {
  const { runId, step, number } = parseAttemptId(attemptId);
  const [row] = await db.select().from(pipelineSteps).where(and(eq(pipelineSteps.runId, runId), eq(pipelineSteps.name, step), eq(pipelineSteps.projectId, projectId)));
  if (!row || number < 1 || number > row.attempts) throw notFound(`attempt "${attemptId}" not found in this project`);
  return { step: row, number };
}

const holds = (step: PipelineStepRow, number: number) => step.status === 'running' && step.attempts === number;

/**
 * Claims one queued step whose labels the runner has, in one conditional UPDATE (atomic on libSQL and D1 alike:
 * two runners never get the same attempt). Expired leases of the project are settled first.
 */
export async function leaseStep(scope: PipelineScope, request: { runner: string; labels: string[]; leaseMs: number }): Promise<Lease | null> {
  const { db, projectId } = scope;
  await expireLeases(scope);
  const now = scope.now();
  const labelsMatch = request.labels.length
    ? sql`not exists (select 1 from json_each(s.runs_on) j where j.value not in (${sql.join(request.labels.map((l) => sql`${l}`), sql`, `)}))`
    : sql`json_array_length(s.runs_on) = 0`;
  const claimed = await db.all<{ id: number }>(sql`
    update pipeline_steps set status = 'running', attempts = attempts + 1, runner = ${request.runner}, lease_ms = ${request.leaseMs},
      lease_expires_at = ${now + request.leaseMs}, started_at = ${now},
      deadline_at = case when timeout_ms is null then null else ${now} + timeout_ms end
    where id = (select s.id from pipeline_steps s where s.project_id = ${projectId} and s.status = 'queued' and s.available_at <= ${now} and ${labelsMatch}
                order by s.available_at, s.id limit 1)
      and status = 'queued'
    returning id`);
  const id = claimed[0]?.id;
  if (id === undefined) return null;
  const [step] = await db.select().from(pipelineSteps).where(eq(pipelineSteps.id, id));
  const [run] = await db.select().from(pipelineRuns).where(eq(pipelineRuns.id, step!.runId));
  const [version] = await db.select({ codeDigest: pipelineVersions.codeDigest, version: pipelineVersions.version, name: pipelines.name }).from(pipelineVersions).innerJoin(pipelines, eq(pipelines.id, pipelineVersions.pipelineId)).where(eq(pipelineVersions.id, run!.versionId));
  const needs = step!.spec.needs.length ? await db.select({ name: pipelineSteps.name, outputs: pipelineSteps.outputs }).from(pipelineSteps).where(and(eq(pipelineSteps.runId, run!.id), inArray(pipelineSteps.name, step!.spec.needs))) : [];
  const attemptId = attemptIdOf(run!.id, step!.name, step!.attempts);
  await db.batch([
    db.insert(pipelineAttempts).values({ id: attemptId, projectId, runId: run!.id, stepId: step!.id, number: step!.attempts, status: 'running', runner: request.runner, startedAt: now }).onConflictDoNothing(),
    db.update(pipelineRuns).set({ status: 'running' }).where(and(eq(pipelineRuns.id, run!.id), eq(pipelineRuns.status, 'queued'))),
  ]);
  return {
    attemptId,
    runId: run!.id,
    pipeline: version!.name,
    version: version!.version,
    step: step!.name,
    attempt: step!.attempts,
    codeDigest: version!.codeDigest,
    params: run!.params,
    inputs: Object.fromEntries(needs.map((n) => [n.name, n.outputs ?? {}])),
    ...(step!.spec.outputs ? { outputs: step!.spec.outputs } : {}),
    leaseMs: request.leaseMs,
    leaseExpiresAt: now + request.leaseMs,
    deadlineAt: step!.deadlineAt,
  };
}

/**
 * Renews the lease and tells the runner whether to carry on. A lease that already expired, or a step past its
 * timeout, is settled here (requeued or failed) and the runner told to stop.
 */
export async function heartbeat(scope: PipelineScope, attemptId: string): Promise<{ state: 'running' | 'cancelled' | 'timed_out' | 'lost'; leaseExpiresAt: number | null }> {
  const { step, number } = await stepOfAttempt(scope, attemptId);
  const now = scope.now();
  if (!holds(step, number)) return { state: stepGone(step, number), leaseExpiresAt: null };
  if (step.deadlineAt !== null && step.deadlineAt <= now) {
    await failAttempt(scope, step, `timed out after ${step.timeoutMs} ms`, 'timed_out');
    return { state: 'timed_out', leaseExpiresAt: null };
  }
  if (step.leaseExpiresAt! <= now) {
    await failAttempt(scope, step, `lease expired: no heartbeat from runner "${step.runner}" within ${step.leaseMs} ms`, 'lost');
    return { state: 'lost', leaseExpiresAt: null };
  }
  const leaseExpiresAt = now + step.leaseMs!;
  const renewed = await scope.db
    .update(pipelineSteps)
    .set({ leaseExpiresAt })
    .where(and(eq(pipelineSteps.id, step.id), eq(pipelineSteps.status, 'running'), eq(pipelineSteps.attempts, number)))
    .returning({ id: pipelineSteps.id });
  return renewed.length ? { state: 'running', leaseExpiresAt } : { state: 'lost', leaseExpiresAt: null };
}

function stepGone(step: PipelineStepRow, number: number): 'cancelled' | 'lost' {
  return step.status === 'cancelled' && step.attempts === number ? 'cancelled' : 'lost';
}

/**
 * Records how an attempt ended. Success stores the outputs (checked against the declared types and size: a bad
 * one fails the attempt instead), fills the step cache and queues dependants. Failure retries after the backoff
 * until the retries are spent, then fails the step. Sending the same completion again answers `accepted: true`
 * without changing anything; a completion from a runner that lost its lease is `accepted: false`.
 */
export async function completeAttempt(scope: PipelineScope, attemptId: string, body: CompleteAttempt & { links?: { kind: 'run' | 'dataset' | 'model'; ref: string; role?: 'read' | 'made' }[] }) {
  const { step, number } = await stepOfAttempt(scope, attemptId);
  const { db } = scope;
  const now = scope.now();
  if (!holds(step, number)) {
    if (step.attempts === number && ((body.status === 'succeeded' && step.status === 'succeeded') || (body.status === 'failed' && step.status === 'failed'))) return { accepted: true, state: step.status };
    const state = stepGone(step, number);
    if (state === 'cancelled') await db.update(pipelineAttempts).set({ status: 'cancelled', finishedAt: now }).where(and(eq(pipelineAttempts.id, attemptId), eq(pipelineAttempts.status, 'running')));
    return { accepted: false, state };
  }
  const links = (body.links ?? []).map((l) => ({ runId: step.runId, step: step.name, kind: l.kind, ref: l.ref, role: l.role ?? ('read' as const) }));
  if (links.length) await db.insert(pipelineLinks).values(links).onConflictDoNothing();
  if (body.status === 'failed') return { accepted: true, state: await failAttempt(scope, step, body.error, 'failed') };

  const outputs = body.outputs ?? {};
  const problem = JSON.stringify(outputs).length > PIPELINE_LIMITS.outputsBytes ? `step "${step.name}" outputs are over ${PIPELINE_LIMITS.outputsBytes} bytes of JSON (store big values as blobs and return their digests)` : outputProblem(step.name, outputs, step.spec.outputs);
  if (problem) return { accepted: true, state: await failAttempt(scope, step, problem, 'failed') };
  const done = await db
    .update(pipelineSteps)
    .set({ status: 'succeeded', outputs, finishedAt: now, leaseExpiresAt: null, error: null })
    .where(and(eq(pipelineSteps.id, step.id), eq(pipelineSteps.status, 'running'), eq(pipelineSteps.attempts, number)))
    .returning({ id: pipelineSteps.id });
  if (!done.length) return { accepted: false, state: 'lost' as const };
  await db.batch([
    db.update(pipelineAttempts).set({ status: 'succeeded', finishedAt: now }).where(eq(pipelineAttempts.id, attemptId)),
    ...(step.spec.cache && step.fingerprint ? [db.insert(pipelineCache).values({ projectId: scope.projectId, fingerprint: step.fingerprint, attemptId, outputs, createdAt: now }).onConflictDoNothing()] : []),
  ]);
  await advanceRun(scope, step.runId, [step.name]);
  return { accepted: true, state: 'succeeded' as const };
}

/**
 * Ends the step's current attempt as failed (`failed`, `lost` when its lease expired, `timed_out`): requeued as a
 * new attempt after its backoff while retries remain, else the step fails and the run moves on (dependants skipped).
 */
async function failAttempt(scope: PipelineScope, step: PipelineStepRow, error: string, how: 'failed' | 'lost' | 'timed_out'): Promise<'retrying' | 'failed' | 'lost'> {
  const { db } = scope;
  const now = scope.now();
  const failures = step.failures + 1;
  const retry = failures <= step.spec.retries.count;
  const changed = await db
    .update(pipelineSteps)
    .set(
      retry
        ? { status: 'queued', failures, availableAt: now + retryDelay(step.spec.retries, failures), runner: null, leaseExpiresAt: null, deadlineAt: null, error }
        : { status: 'failed', failures, finishedAt: now, leaseExpiresAt: null, error },
    )
    .where(and(eq(pipelineSteps.id, step.id), eq(pipelineSteps.status, 'running'), eq(pipelineSteps.attempts, step.attempts)))
    .returning({ id: pipelineSteps.id });
  if (!changed.length) return 'lost';
  await db.update(pipelineAttempts).set({ status: how, error, finishedAt: now }).where(eq(pipelineAttempts.id, attemptIdOf(step.runId, step.name, step.attempts)));
  if (!retry) await advanceRun(scope, step.runId, [step.name]);
  return retry ? 'retrying' : 'failed';
}

/** Hands a running step back (a runner stopping): queued again at once; the attempt is not counted as a failure. */
export async function releaseAttempt(scope: PipelineScope, attemptId: string): Promise<{ released: boolean }> {
  const { step, number } = await stepOfAttempt(scope, attemptId);
  if (!holds(step, number)) return { released: false };
  const now = scope.now();
  const changed = await scope.db
    .update(pipelineSteps)
    .set({ status: 'queued', availableAt: now, runner: null, leaseExpiresAt: null, deadlineAt: null })
    .where(and(eq(pipelineSteps.id, step.id), eq(pipelineSteps.status, 'running'), eq(pipelineSteps.attempts, number)))
    .returning({ id: pipelineSteps.id });
  if (changed.length) await scope.db.update(pipelineAttempts).set({ status: 'released', finishedAt: now }).where(eq(pipelineAttempts.id, attemptId));
  return { released: changed.length > 0 };
}

/**
 * Settles running steps whose lease expired or whose timeout passed (of the scope's project, or of every project
 * when `allProjects`): each is a failed attempt (retried after its backoff while retries remain). Called lazily on
 * lease and read calls, and by the hub's sweep (a timer on Node, a cron trigger on Workers).
 */
export async function expireLeases(scope: PipelineScope, allProjects = false): Promise<number> {
  const now = scope.now();
  const stale = await scope.db
    .select()
    .from(pipelineSteps)
    .where(
      and(
        allProjects ? undefined : eq(pipelineSteps.projectId, scope.projectId),
        eq(pipelineSteps.status, 'running'),
        or(lt(pipelineSteps.leaseExpiresAt, now), and(isNotNull(pipelineSteps.deadlineAt), lt(pipelineSteps.deadlineAt, now))),
      ),
    )
    .limit(100);
  for (const step of stale) {
    const timedOut = step.deadlineAt !== null && step.deadlineAt < now;
    await failAttempt({ ...scope, projectId: step.projectId }, step, timedOut ? `timed out after ${step.timeoutMs} ms` : `lease expired: no heartbeat from runner "${step.runner}" within ${step.leaseMs} ms`, timedOut ? 'timed_out' : 'lost');
  }
  return stale.length;
}


/**
 * Called once when a hub process starts: every running lease is given at least its full length from now. While the
 * hub was down no runner could heartbeat, so a lease that ran out during the downtime says nothing about its runner;
 * a live runner renews it on its next heartbeat, a dead one's lease expires one lease length after the start, as usual.
 */
export async function graceLeasesAfterStart(db: PipelineScope['db'], now = Date.now()): Promise<number> {
  const extended = await db.all<{ id: number }>(sql`
    update pipeline_steps set lease_expires_at = ${now} + lease_ms
    where status = 'running' and lease_ms is not null and (lease_expires_at is null or lease_expires_at < ${now} + lease_ms)
    returning id`);
  return extended.length;
}
