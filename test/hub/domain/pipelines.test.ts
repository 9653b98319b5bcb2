import { createHash } from 'node:crypto';
import type { PipelineSpec, StepSpec } from '../../../shared/pipeline/spec.js';
import type { Digest } from '../../../shared/digest.js';
import { completeAttempt, heartbeat, leaseStep, releaseAttempt } from '../../../hub/pipelines/leases.js';
import { appendLog, readLog } from '../../../hub/pipelines/logs.js';
import { createRun, getRunRow, runJson } from '../../../hub/pipelines/runs.js';
import { backfill, startSubscribers, sweepPipelines } from '../../../hub/pipelines/triggers.js';
import { getPipeline, getVersion, registerVersion } from '../../../hub/pipelines/versions.js';
import type { PipelineScope } from '../../../hub/pipelines/scope.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLibsql } from '../../../hub/db/libsql.js';
import { describe, expect, openInProcessHub, test, type InProcessHub } from '../../helpers/app.js';

const step = (over: Partial<StepSpec> = {}): StepSpec => ({ needs: [], retries: { count: 0, backoffMs: 0, capMs: 0 }, timeoutMs: null, cache: true, runsOn: [], ...over });
const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

/** Uploads a stand-in bundle (its bytes make the code digest) and registers the spec; returns the version ref. */
async function register(hub: InProcessHub, spec: PipelineSpec, code = `bundle of ${spec.name}`, scope: PipelineScope = hub.scope) {
  const bytes = new TextEncoder().encode(code);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
  const put = await hub.request(`/v1/blobs/${digest}`, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
  expect(put.status).toBeLessThan(300);
  return registerVersion(scope, digest, spec);
}

async function start(hub: InProcessHub, name: string, params: Record<string, number | string | boolean> = {}, noCache = false, scope: PipelineScope = hub.scope) {
  const pipeline = await getPipeline(scope, name);
  return (await createRun(scope, pipeline, await getVersion(scope, pipeline), { params, noCache, trigger: { type: 'manual' } })).run;
}

const lease = (scope: PipelineScope, labels: string[] = [], leaseMs = 30_000) => leaseStep(scope, { runner: 'r1', labels, leaseMs });
const state = async (hub: InProcessHub, runId: string, scope: PipelineScope = hub.scope) => runJson(scope, await getRunRow(scope, runId));
const clock = (hub: InProcessHub, t: { now: number }): PipelineScope => ({ db: hub.db, projectId: hub.project.id, now: () => t.now });

/** Leases and completes every ready step until none is left, outputs from `make`. */
async function drain(scope: PipelineScope, make: (step: string) => Record<string, unknown> = () => ({})) {
  for (let l = await lease(scope); l; l = await lease(scope)) await completeAttempt(scope, l.attemptId, { status: 'succeeded', outputs: make(l.step) });
}

describe('pipeline DAGs on the hub', () => {
  test('refuses cycles, unknown needs and mismatched inputs with a 400 naming the step, even when the client did not check', async ({ hub }) => {
    const bytes = new TextEncoder().encode('x');
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await hub.request(`/v1/blobs/${digest}`, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    const post = (steps: Record<string, Partial<StepSpec>>) => hub.request('/v1/pipelines', json('POST', { codeDigest: digest, spec: { name: 'bad', steps } }));
    const cycle = await post({ a: { needs: ['b'] }, b: { needs: ['a'] } });
    expect(cycle.status).toBe(400);
    expect((await cycle.json()).error.message).toMatch(/cycle: a → b → a/);
    const unknown = await post({ a: { needs: ['nope'] } });
    expect((await unknown.json()).error.message).toContain('step "a" needs unknown step "nope"');
    const mismatch = await post({ a: { outputs: { rows: 'number' } }, b: { needs: ['a'], inputs: { a: { rows: 'string' } } } });
    expect((await mismatch.json()).error.message).toContain('step "b" reads a.rows as string but step "a" makes it a number');
    const cron = await hub.request('/v1/pipelines', json('POST', { codeDigest: digest, spec: { name: 'bad', steps: { a: {} }, schedule: { cron: 'every tuesday' } } }));
    expect(cron.status).toBe(400);
    expect((await cron.json()).error.message).toContain('schedule "every tuesday" does not parse');
    expect((await hub.request('/v1/pipelines', json('POST', { codeDigest: `sha256:${'0'.repeat(64)}`, spec: { name: 'ok', steps: { a: {} } } }))).status).toBe(409);
  });

  test('registers the same code and DAG once, and a changed one as the next version', async ({ hub }) => {
    const spec: PipelineSpec = { name: 'twice', params: {}, steps: { a: step() } };
    expect((await register(hub, spec)).version.ref).toBe('twice/1');
    expect(await register(hub, spec)).toMatchObject({ created: false, version: { version: 1 } });
    expect((await register(hub, spec, 'other code')).version.ref).toBe('twice/2');
  });

  test('checks run params against the declared types and names the wrong one', async ({ hub }) => {
    await register(hub, { name: 'typed', params: { lr: { type: 'number', default: 0.1 } }, steps: { a: step() } });
    const wrong = await hub.request('/v1/pipelines/typed/runs', json('POST', { params: { lr: 'fast' } }));
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error.message).toBe('param "lr" must be a number, got "fast"');
    const unknown = await hub.request('/v1/pipelines/typed/runs', json('POST', { params: { epochs: 3 } }));
    expect((await unknown.json()).error.message).toContain('has no param "epochs"');
    const ok = await hub.request('/v1/pipelines/typed/runs', json('POST', { params: { lr: 0.5 }, key: 'once' }));
    expect(ok.status).toBe(201);
    const again = await hub.request('/v1/pipelines/typed/runs', json('POST', { params: { lr: 0.5 }, key: 'once' }));
    expect(again.status).toBe(200);
    expect((await again.json()).id).toBe((await ok.json()).id);
  });

  test('many concurrent lease calls: each attempt goes to exactly one runner', async ({ hub }) => {
    const steps = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`s${i}`, step()]));
    await register(hub, { name: 'race', params: {}, steps });
    await start(hub, 'race');
    const leases = await Promise.all(Array.from({ length: 40 }, (_, i) => leaseStep(hub.scope, { runner: `r${i}`, labels: [], leaseMs: 30_000 })));
    const won = leases.filter((l) => l !== null);
    expect(won).toHaveLength(5);
    expect(new Set(won.map((l) => l!.attemptId)).size).toBe(5);
  });

  test('leases only steps whose labels the runner has', async ({ hub }) => {
    await register(hub, { name: 'labels', params: {}, steps: { gpu: step({ runsOn: ['node', 'gpu'] }) } });
    await start(hub, 'labels');
    expect(await lease(hub.scope, ['node'])).toBeNull();
    expect(await lease(hub.scope, [])).toBeNull();
    expect((await lease(hub.scope, ['node', 'gpu', 'x']))?.step).toBe('gpu');
  });

  test('passes outputs to dependants and finishes the run when every step succeeded', async ({ hub }) => {
    await register(hub, { name: 'chain', params: {}, steps: { prep: step({ outputs: { rows: 'number' } }), train: step({ needs: ['prep'], inputs: { prep: { rows: 'number' } } }) } });
    const run = await start(hub, 'chain');
    const first = (await lease(hub.scope))!;
    expect(first).toMatchObject({ step: 'prep', attempt: 1, inputs: {} });
    expect(await lease(hub.scope)).toBeNull();
    expect(await completeAttempt(hub.scope, first.attemptId, { status: 'succeeded', outputs: { rows: 100 } })).toEqual({ accepted: true, state: 'succeeded' });
    // The same completion again (a retried request) changes nothing.
    expect(await completeAttempt(hub.scope, first.attemptId, { status: 'succeeded', outputs: { rows: 100 } })).toEqual({ accepted: true, state: 'succeeded' });
    const second = (await lease(hub.scope))!;
    expect(second).toMatchObject({ step: 'train', inputs: { prep: { rows: 100 } } });
    await completeAttempt(hub.scope, second.attemptId, { status: 'succeeded', outputs: { acc: 1 }, links: [{ kind: 'run', ref: 'run_x', role: 'made' }] });
    const done = await state(hub, run.id);
    expect(done).toMatchObject({ status: 'succeeded', steps: { prep: { status: 'succeeded', attempts: 1 }, train: { status: 'succeeded', outputs: { acc: 1 } } }, lineage: [{ step: 'train', kind: 'run', ref: 'run_x', role: 'made' }] });
  });

  test('fails an attempt whose outputs do not match the declared types', async ({ hub }) => {
    await register(hub, { name: 'outtype', params: {}, steps: { a: step({ outputs: { rows: 'number' } }) } });
    const run = await start(hub, 'outtype');
    const l = (await lease(hub.scope))!;
    expect(await completeAttempt(hub.scope, l.attemptId, { status: 'succeeded', outputs: { rows: 'many' } })).toEqual({ accepted: true, state: 'failed' });
    expect((await state(hub, run.id)).steps.a!.error).toContain('output "rows" must be a number');
  });

  test('an expired lease requeues the step as a new attempt after its backoff; spent retries fail the run and skip downstream', async ({ hub }) => {
    const t = { now: 1_000_000 };
    const s = clock(hub, t);
    await register(hub, { name: 'expiry', params: {}, steps: { a: step({ retries: { count: 1, backoffMs: 5_000, capMs: 60_000 } }), b: step({ needs: ['a'] }) } }, 'x', s);
    const run = await start(hub, 'expiry', {}, false, s);
    const first = (await lease(s, [], 1_000))!;
    t.now += 1_500; // no heartbeat: the lease ran out
    expect(await lease(s)).toBeNull(); // requeued, but waiting out its backoff
    expect((await state(hub, run.id, s)).steps.a).toMatchObject({ status: 'queued', attempts: 1 });
    expect(await heartbeat(s, first.attemptId)).toEqual({ state: 'lost', leaseExpiresAt: null });
    t.now += 5_000;
    const second = (await lease(s, [], 1_000))!;
    expect(second).toMatchObject({ step: 'a', attempt: 2 });
    // The first runner comes back late: its completion is refused.
    expect(await completeAttempt(s, first.attemptId, { status: 'succeeded', outputs: {} })).toEqual({ accepted: false, state: 'lost' });
    t.now += 500;
    expect((await heartbeat(s, second.attemptId)).state).toBe('running');
    t.now += 900;
    expect((await heartbeat(s, second.attemptId)).state).toBe('running'); // renewed at +500
    t.now += 1_001;
    expect(await sweepPipelines(hub.db, t.now)).toMatchObject({ expired: 1 });
    const failed = await state(hub, run.id, s);
    expect(failed).toMatchObject({ status: 'failed', steps: { a: { status: 'failed', attempts: 2 }, b: { status: 'skipped' } } });
    expect(failed.steps.a!.error).toContain('lease expired');
  });

  test('retries a failing step with exponential backoff up to its cap', async ({ hub }) => {
    const t = { now: 5_000_000 };
    const s = clock(hub, t);
    await register(hub, { name: 'backoff', params: {}, steps: { a: step({ retries: { count: 3, backoffMs: 1_000, capMs: 3_000 } }) } }, 'x', s);
    const run = await start(hub, 'backoff', {}, false, s);
    const waits: number[] = [];
    for (let n = 1; n <= 4; n++) {
      let l = await lease(s);
      let waited = 0;
      while (!l) {
        t.now += 500;
        waited += 500;
        l = await lease(s);
      }
      waits.push(waited);
      expect(l.attempt).toBe(n);
      await completeAttempt(s, l.attemptId, { status: 'failed', error: `boom ${n}` });
    }
    expect(waits).toEqual([0, 1_000, 2_000, 3_000]);
    expect(await state(hub, run.id, s)).toMatchObject({ status: 'failed', steps: { a: { status: 'failed', attempts: 4, error: 'boom 4' } } });
  });

  test('a timeout stops the step and the runner hears it from its heartbeat', async ({ hub }) => {
    const t = { now: 9_000_000 };
    const s = clock(hub, t);
    await register(hub, { name: 'slow', params: {}, steps: { a: step({ timeoutMs: 2_000 }) } }, 'x', s);
    const run = await start(hub, 'slow', {}, false, s);
    const l = (await lease(s, [], 10_000))!;
    t.now += 2_500;
    expect((await heartbeat(s, l.attemptId)).state).toBe('timed_out');
    expect(await state(hub, run.id, s)).toMatchObject({ status: 'failed', steps: { a: { status: 'failed', error: 'timed out after 2000 ms' } } });
  });

  test('a step handed back by a stopping runner is queued again at once and not counted as a failure', async ({ hub }) => {
    await register(hub, { name: 'handback', params: {}, steps: { a: step() } });
    const run = await start(hub, 'handback');
    const first = (await lease(hub.scope))!;
    expect(await releaseAttempt(hub.scope, first.attemptId)).toEqual({ released: true });
    expect(await releaseAttempt(hub.scope, first.attemptId)).toEqual({ released: false });
    const second = (await lease(hub.scope))!;
    expect(second.attempt).toBe(2);
    await completeAttempt(hub.scope, second.attemptId, { status: 'succeeded', outputs: {} });
    expect(await state(hub, run.id)).toMatchObject({ status: 'succeeded', steps: { a: { status: 'succeeded', attempts: 2 } } });
  });

  test('cancel stops queued steps and tells the running one through its heartbeat', async ({ hub }) => {
    await register(hub, { name: 'cancel', params: {}, steps: { a: step(), b: step(), c: step({ needs: ['a'] }) } });
    const run = await start(hub, 'cancel');
    const l = (await lease(hub.scope))!;
    const cancelled = await hub.request(`/v1/pipeline-runs/${run.id}/cancel`, { method: 'POST' });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ status: 'cancelled', steps: { a: { status: 'cancelled' }, b: { status: 'cancelled' }, c: { status: 'cancelled' } } });
    expect((await heartbeat(hub.scope, l.attemptId)).state).toBe('cancelled');
    expect(await completeAttempt(hub.scope, l.attemptId, { status: 'succeeded', outputs: {} })).toEqual({ accepted: false, state: 'cancelled' });
    expect(await lease(hub.scope)).toBeNull();
    expect((await hub.request(`/v1/pipeline-runs/${run.id}/cancel`, { method: 'POST' })).status).toBe(200);
  });

  test('reuses outputs of an unchanged step, and runs it again when code, inputs or params change', async ({ hub }) => {
    const spec: PipelineSpec = { name: 'cached', params: { lr: { type: 'number', default: 0.1 } }, steps: { src: step({ cache: false }), a: step({ needs: ['src'] }), b: step({ needs: ['a'] }) } };
    await register(hub, spec);
    let srcValue = 1;
    const outputs = (name: string) => (name === 'src' ? { v: srcValue } : { from: name });
    const first = await start(hub, 'cached');
    await drain(hub.scope, outputs);
    expect((await state(hub, first.id)).status).toBe('succeeded');

    const second = await start(hub, 'cached');
    await drain(hub.scope, outputs); // src has cache: false, so it runs; its outputs are the same, so a and b hit
    const hit = await state(hub, second.id);
    expect(hit).toMatchObject({ status: 'succeeded', steps: { src: { status: 'succeeded' }, a: { status: 'cached', outputs: { from: 'a' } }, b: { status: 'cached' } } });
    expect(hit.steps.a!.cachedFrom).toBe(`${first.id}.a.1`);

    srcValue = 2; // inputs change
    const third = await start(hub, 'cached');
    await drain(hub.scope, outputs);
    expect((await state(hub, third.id)).steps.a!.status).toBe('succeeded');

    const params = await start(hub, 'cached', { lr: 0.2 });
    await drain(hub.scope, outputs);
    expect((await state(hub, params.id)).steps.a!.status).toBe('succeeded');

    const noCache = await start(hub, 'cached', {}, true);
    await drain(hub.scope, outputs);
    expect((await state(hub, noCache.id)).steps.b!.status).toBe('succeeded');

    srcValue = 1;
    await register(hub, spec, 'new code');
    const code = await start(hub, 'cached');
    await drain(hub.scope, outputs);
    expect((await state(hub, code.id)).steps.a!.status).toBe('succeeded');
  });

  test('logs append in chunks per attempt; a resent chunk is a no-op and a wrong offset a 409', async ({ hub }) => {
    await register(hub, { name: 'logs', params: {}, steps: { a: step() } });
    await start(hub, 'logs');
    const l = (await lease(hub.scope))!;
    expect(await appendLog(hub.scope, l.attemptId, 0, 'hello\n')).toEqual({ next: 6, duplicate: false });
    expect(await appendLog(hub.scope, l.attemptId, 0, 'hello\n')).toEqual({ next: 6, duplicate: true });
    await expect(appendLog(hub.scope, l.attemptId, 3, 'x')).rejects.toMatchObject({ status: 409 });
    await appendLog(hub.scope, l.attemptId, 6, 'world\n');
    expect(await readLog(hub.scope, l.attemptId, 3)).toMatchObject({ text: 'lo\nworld\n', next: 12, done: false });
    await completeAttempt(hub.scope, l.attemptId, { status: 'succeeded', outputs: {} });
    expect(await readLog(hub.scope, l.attemptId, 12)).toMatchObject({ text: '', done: true });
  });
});

describe('a hub restart mid-run', () => {
  test('runs and leases live in the database: a restarted hub renews the lease, gives the step to no one else, and takes its completion', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outpost-restart-'));
    const before = await openInProcessHub({ OUTPOST_DATA_DIR: dir });
    try {
      await register(before, { name: 'restart', params: {}, steps: { a: step(), b: step({ needs: ['a'] }) } });
      const run = await start(before, 'restart');
      const l = (await lease(before.scope))!;
      // A second process on the same database file: what the hub is after a restart.
      const after = await openLibsql(`file:${dir}/hub.db`);
      try {
        const scope = { db: after.db, projectId: before.project.id, now: Date.now };
        expect((await heartbeat(scope, l.attemptId)).state).toBe('running');
        expect(await lease(scope)).toBeNull();
        expect(await completeAttempt(scope, l.attemptId, { status: 'succeeded', outputs: { ok: true } })).toEqual({ accepted: true, state: 'succeeded' });
        expect((await lease(scope))?.inputs).toEqual({ a: { ok: true } });
        expect((await runJson(scope, await getRunRow(scope, run.id))).steps.b!.status).toBe('running');
      } finally {
        after.close();
      }
    } finally {
      await before.close();
    }
  });
});

describe('pipeline triggers', () => {
  const HOUR = 3_600_000;
  const T0 = Date.parse('2026-03-01T10:30:00Z');

  test('a schedule runs the interval that just ended, skips missed ones without catch-up, and backfill never doubles an interval', async ({ hub }) => {
    const t = { now: T0 };
    const s = clock(hub, t);
    await register(hub, { name: 'hourly', params: {}, steps: { a: step() }, schedule: { cron: '0 * * * *', catchup: false } }, 'x', s);
    expect(await sweepPipelines(hub.db, T0 + 10 * 60_000)).toMatchObject({ scheduled: 0 });
    t.now = T0 + 3 * HOUR; // 13:30: intervals ending 11:00, 12:00 and 13:00 have passed
    expect(await sweepPipelines(hub.db, t.now)).toMatchObject({ scheduled: 1 });
    expect(await sweepPipelines(hub.db, t.now)).toMatchObject({ scheduled: 0 });
    const runs = await (await hub.request('/v1/pipeline-runs?pipeline=hourly')).json();
    expect(runs.runs.map((r: { interval: unknown }) => r.interval)).toEqual([{ start: Date.parse('2026-03-01T12:00:00Z'), end: Date.parse('2026-03-01T13:00:00Z') }]);

    const pipeline = await getPipeline(s, 'hourly');
    const filled = await backfill(s, pipeline, Date.parse('2026-03-01T10:00:00Z'), Date.parse('2026-03-01T13:00:00Z'));
    expect(filled).toMatchObject({ intervals: 3, existing: [runs.runs[0].id] });
    expect(filled.created).toHaveLength(2);
    expect(await backfill(s, pipeline, Date.parse('2026-03-01T10:00:00Z'), Date.parse('2026-03-01T13:00:00Z'))).toMatchObject({ created: [], intervals: 3 });
  });

  test('with catch-up, every missed interval gets one run', async ({ hub }) => {
    const s = clock(hub, { now: T0 });
    await register(hub, { name: 'catchup', params: {}, steps: { a: step() }, schedule: { cron: '0 * * * *', catchup: true } }, 'x', s);
    expect(await sweepPipelines(hub.db, T0 + 3 * HOUR)).toMatchObject({ scheduled: 3 });
    expect(await sweepPipelines(hub.db, T0 + 3 * HOUR + 1)).toMatchObject({ scheduled: 0 });
  });

  test('a new dataset version starts a subscribed pipeline once, however often the event is seen', async ({ hub }) => {
    await register(hub, { name: 'on-data', params: {}, steps: { a: step() }, on: [{ dataset: 'events-ds' }] });
    const bytes = new TextEncoder().encode('a,b\n1,2\n');
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await hub.request(`/v1/blobs/${digest}`, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    expect((await hub.request('/v1/datasets/events-ds/versions', json('POST', { files: [{ path: 'a.csv', digest, size: bytes.byteLength }] }))).status).toBe(201);
    expect(await sweepPipelines(hub.db)).toMatchObject({ triggered: 1 });
    expect(await sweepPipelines(hub.db)).toMatchObject({ triggered: 0 });
    // The same event reported by hand changes nothing; another event id starts another run.
    expect(await startSubscribers(hub.scope, { id: 'dataset.version:events-ds/1', type: 'dataset.version', subject: 'events-ds' })).toMatchObject([{ created: false }]);
    const posted = await hub.request('/v1/pipeline-events', json('POST', { id: 'ci-42', type: 'dataset.version', subject: 'events-ds' }));
    expect((await posted.json()).runs).toMatchObject([{ pipeline: 'on-data', created: true }]);
    expect((await (await hub.request('/v1/pipeline-events', json('POST', { id: 'ci-42', type: 'dataset.version', subject: 'events-ds' }))).json()).runs).toMatchObject([{ created: false }]);
    const runs = await (await hub.request('/v1/pipeline-runs?pipeline=on-data')).json();
    expect(runs.runs).toHaveLength(2);
  });
});
