import { describe, expect } from 'vitest';
import { call, expectError, hub, sha256Hex, type TestProject } from '../../helpers/client.js';
import { test as it } from '../../helpers/fixtures.js';
import { startReceiver, until } from '../../helpers/webhook-receiver.js';

const step = (over: Record<string, unknown> = {}) => ({ needs: [], retries: { count: 0, backoffMs: 0, capMs: 0 }, ...over });

/** Uploads a stand-in bundle and registers the spec; returns the reply. */
async function register(p: TestProject, spec: Record<string, unknown>, code = `bundle ${Math.random()}`) {
  const bytes = new TextEncoder().encode(code);
  const codeDigest = `sha256:${await sha256Hex(bytes)}`;
  expect((await call(`/v1/blobs/${codeDigest}`, { key: p.keys.write, method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } })).status).toBeLessThan(300);
  return call('/v1/pipelines', { key: p.keys.write, json: { codeDigest, spec } });
}

const lease = (p: TestProject, runner = 'r', labels: string[] = [], leaseMs = 30_000) => call('/v1/pipeline-leases', { key: p.keys.write, json: { runner, labels, leaseMs } });
const runState = (p: TestProject, id: string) => call(`/v1/pipeline-runs/${id}`, { key: p.keys.read });

async function pollRun(p: TestProject, id: string, until: (run: any) => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await runState(p, id);
    if (until(r.body)) return r.body;
    if (Date.now() > deadline) throw new Error(`run never reached the state: ${r.text}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe(`pipelines (${hub.runtime})`, () => {
  it('registers a version and refuses a DAG with a cycle or unknown needs, naming the step', async ({ project: p }) => {
    const ok = await register(p, { name: 'train', params: { lr: { type: 'number', default: 0.01 } }, steps: { prep: step(), train: step({ needs: ['prep'] }) } });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.version).toMatchObject({ ref: 'train/1', pipeline: 'train', version: 1 });
    const cycle = await register(p, { name: 'loop', steps: { a: step({ needs: ['b'] }), b: step({ needs: ['a'] }) } });
    expectError(cycle, 400, 'bad_request');
    expect(cycle.body.error.message).toContain('cycle');
    const unknown = await register(p, { name: 'loop', steps: { a: step({ needs: ['ghost'] }) } });
    expect(unknown.body.error.message).toContain('step "a" needs unknown step "ghost"');
    expectError(await call('/v1/pipelines', { key: p.keys.read, json: { codeDigest: ok.body.version.codeDigest, spec: { name: 'x', steps: { a: step() } } } }), 403, 'forbidden');
    const listed = await call('/v1/pipelines', { key: p.keys.read });
    expect(listed.body.pipelines.map((x: { name: string }) => x.name)).toEqual(['train']);
  });

  it('runs a chain through leases, heartbeats and completions, with logs per attempt', async ({ project: p }) => {
    await register(p, { name: 'chain', params: { n: { type: 'number', default: 1 } }, steps: { prep: step({ outputs: { rows: 'number' } }), train: step({ needs: ['prep'] }) } });
    expectError(await call('/v1/pipelines/chain/runs', { key: p.keys.write, json: { params: { n: 'two' } } }), 400, 'bad_request');
    const started = await call('/v1/pipelines/chain/runs', { key: p.keys.write, json: { params: { n: 2 } } });
    expect(started.status, started.text).toBe(201);
    expect(started.body).toMatchObject({ status: 'queued', params: { n: 2 }, steps: { prep: { status: 'queued', attempts: 0 }, train: { status: 'queued', attempts: 0 } } });

    const first = (await lease(p)).body.lease;
    expect(first).toMatchObject({ step: 'prep', attempt: 1, params: { n: 2 }, pipeline: 'chain', version: 1 });
    expect((await lease(p)).body.lease).toBeNull();
    expect((await call(`/v1/pipeline-attempts/${first.attemptId}/heartbeat`, { key: p.keys.write, method: 'POST' })).body.state).toBe('running');
    expect((await call(`/v1/pipeline-attempts/${first.attemptId}/logs`, { key: p.keys.write, json: { offset: 0, text: 'loading\n' } })).body).toEqual({ next: 8, duplicate: false });
    expectError(await call(`/v1/pipeline-attempts/${first.attemptId}/logs`, { key: p.keys.write, json: { offset: 2, text: 'x' } }), 409, 'conflict');
    // The completion leases the runner's next step in the same request.
    const done = await call(`/v1/pipeline-attempts/${first.attemptId}/complete`, { key: p.keys.write, json: { status: 'succeeded', outputs: { rows: 7 }, next: { runner: 'r', labels: [] } } });
    expect(done.body).toMatchObject({ accepted: true, state: 'succeeded', next: { step: 'train', attempt: 1 } });

    const second = done.body.next;
    expect(second).toMatchObject({ step: 'train', inputs: { prep: { rows: 7 } } });
    await call(`/v1/pipeline-attempts/${second.attemptId}/complete`, { key: p.keys.write, json: { status: 'succeeded', outputs: {} } });
    const run = (await runState(p, started.body.id)).body;
    expect(run).toMatchObject({ status: 'succeeded', steps: { prep: { status: 'succeeded', attempts: 1, outputs: { rows: 7 } }, train: { status: 'succeeded' } } });
    const log = await call(`/v1/pipeline-attempts/${run.steps.prep.attemptIds[0]}/logs?offset=0`, { key: p.keys.read });
    expect(log.body).toMatchObject({ text: 'loading\n', next: 8, done: true });
  });

  it('gives each queued attempt to exactly one of many concurrent runners', async ({ project: p }) => {
    await register(p, { name: 'fan', steps: Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`s${i}`, step()])) });
    await call('/v1/pipelines/fan/runs', { key: p.keys.write, json: {} });
    const replies = await Promise.all(Array.from({ length: 24 }, (_, i) => lease(p, `runner-${i}`)));
    const leases = replies.map((r) => r.body.lease).filter(Boolean);
    expect(leases).toHaveLength(4);
    expect(new Set(leases.map((l: { attemptId: string }) => l.attemptId)).size).toBe(4);
  });

  it('requeues a step whose lease expired as a new attempt, and refuses the old runner\'s completion', async ({ project: p }) => {
    await register(p, { name: 'expire', steps: { a: step({ retries: { count: 1, backoffMs: 0, capMs: 0 } }) } });
    const run = (await call('/v1/pipelines/expire/runs', { key: p.keys.write, json: {} })).body;
    const first = (await lease(p, 'dies', [], 200)).body.lease;
    await pollRun(p, run.id, (r) => r.steps.a.status === 'queued' && r.steps.a.attempts === 1);
    const second = (await lease(p, 'lives')).body.lease;
    expect(second).toMatchObject({ step: 'a', attempt: 2 });
    expect((await call(`/v1/pipeline-attempts/${first.attemptId}/complete`, { key: p.keys.write, json: { status: 'succeeded', outputs: {} } })).body).toEqual({ accepted: false, state: 'lost' });
    expect((await call(`/v1/pipeline-attempts/${first.attemptId}/heartbeat`, { key: p.keys.write, method: 'POST' })).body.state).toBe('lost');
    await call(`/v1/pipeline-attempts/${second.attemptId}/complete`, { key: p.keys.write, json: { status: 'succeeded', outputs: {} } });
    expect((await runState(p, run.id)).body).toMatchObject({ status: 'succeeded', steps: { a: { attempts: 2 } } });
  });

  it('fails the run after the last retry and skips what comes after; cancel of a finished run is a 409', async ({ project: p }) => {
    await register(p, { name: 'fails', steps: { a: step(), b: step({ needs: ['a'] }) } });
    const run = (await call('/v1/pipelines/fails/runs', { key: p.keys.write, json: {} })).body;
    const l = (await lease(p)).body.lease;
    expect((await call(`/v1/pipeline-attempts/${l.attemptId}/complete`, { key: p.keys.write, json: { status: 'failed', error: 'Error: boom' } })).body).toEqual({ accepted: true, state: 'failed' });
    expect((await runState(p, run.id)).body).toMatchObject({ status: 'failed', steps: { a: { status: 'failed', error: 'Error: boom' }, b: { status: 'skipped' } } });
    expectError(await call(`/v1/pipeline-runs/${run.id}/cancel`, { key: p.keys.write, method: 'POST' }), 409, 'conflict');
  });

  it('serves an unchanged rerun from the step cache, and reruns with noCache', async ({ project: p }) => {
    await register(p, { name: 'cache', steps: { a: step(), b: step({ needs: ['a'] }) } });
    const first = (await call('/v1/pipelines/cache/runs', { key: p.keys.write, json: {} })).body;
    for (let l = (await lease(p)).body.lease; l; l = (await lease(p)).body.lease) await call(`/v1/pipeline-attempts/${l.attemptId}/complete`, { key: p.keys.write, json: { status: 'succeeded', outputs: { step: l.step } } });
    expect((await runState(p, first.id)).body.status).toBe('succeeded');
    const again = await call('/v1/pipelines/cache/runs', { key: p.keys.write, json: {} });
    expect(again.body).toMatchObject({ status: 'succeeded', steps: { a: { status: 'cached', outputs: { step: 'a' } }, b: { status: 'cached' } } });
    const fresh = await call('/v1/pipelines/cache/runs', { key: p.keys.write, json: { noCache: true } });
    expect(fresh.body.steps.a.status).toBe('queued');
  });

  it('cancels a run and tells its runner through the heartbeat; webhooks hear each run finish once', async ({ project: p }) => {
    const receiver = await startReceiver();
    try {
      const sub = await call('/v1/webhooks', { key: p.keys.admin, json: { url: receiver.url, events: ['pipeline_run.finished'] } });
      expect(sub.status, sub.text).toBe(201);
      await register(p, { name: 'stop', steps: { a: step() } });
      const run = (await call('/v1/pipelines/stop/runs', { key: p.keys.write, json: {} })).body;
      const l = (await lease(p)).body.lease;
      expect((await call(`/v1/pipeline-runs/${run.id}/cancel`, { key: p.keys.write, method: 'POST' })).body).toMatchObject({ status: 'cancelled', steps: { a: { status: 'cancelled' } } });
      expect((await call(`/v1/pipeline-runs/${run.id}/cancel`, { key: p.keys.write, method: 'POST' })).status).toBe(200);
      expect((await call(`/v1/pipeline-attempts/${l.attemptId}/heartbeat`, { key: p.keys.write, method: 'POST' })).body.state).toBe('cancelled');
      expectError(await call(`/v1/pipeline-runs/nope`, { key: p.keys.read }), 404, 'not_found');
      // A run that succeeds is announced too.
      const done = (await call('/v1/pipelines/stop/runs', { key: p.keys.write, json: {} })).body;
      const next = (await lease(p)).body.lease;
      await call(`/v1/pipeline-attempts/${next.attemptId}/complete`, { key: p.keys.write, json: { status: 'succeeded', outputs: {} } });
      await until(() => receiver.received.length >= 2, 15_000, 'two pipeline_run.finished deliveries');
      const events = receiver.verified(sub.body.secret);
      expect(events.map((e) => e.data).sort((a, b) => String(a.status).localeCompare(String(b.status)))).toEqual([
        { run: run.id, pipeline: 'stop', version: 1, status: 'cancelled' },
        { run: done.id, pipeline: 'stop', version: 1, status: 'succeeded' },
      ]);
      expect(new Set(receiver.received.map((r) => r.id)).size).toBe(2);
    } finally {
      await receiver.close();
    }
  });
});
