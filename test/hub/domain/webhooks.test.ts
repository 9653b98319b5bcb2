import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../hub/app.js';
import { readConfig } from '../../../hub/config.js';
import { openLibsql } from '../../../hub/db/libsql.js';
import { FsBlobStore } from '../../../hub/platform/node/fs-store.js';
import { WebhookLoop } from '../../../hub/platform/node/webhook-loop.js';
import { createProject } from '../../../hub/projects/projects.js';
import { TEST_LIMITS } from '../../helpers/hub-env.js';
import { startReceiver, until } from '../../helpers/webhook-receiver.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/**
 * A hub in this process with the Node delivery loop (retries 20 ms apart at first, so tests stay fast), over a libSQL
 * file that a second call with the same folder opens again: a restart. `loop: false` leaves deliveries queued.
 */
async function webhookHub(opts: { dir?: string; adminKey?: string; loop?: boolean; env?: Record<string, string> } = {}) {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'outpost-webhooks-')));
  const config = readConfig({ OUTPOST_DATA_DIR: dir, OUTPOST_DEMO: '0', ...TEST_LIMITS, OUTPOST_WEBHOOK_ALLOW_PRIVATE: '1', OUTPOST_WEBHOOK_RETRY_BASE: '20ms', OUTPOST_WEBHOOK_TIMEOUT: '2s', ...opts.env });
  const { db, close } = await openLibsql(config.dbUrl);
  const loop = new WebhookLoop(db, config.webhooks, 10, () => {});
  if (opts.loop !== false) loop.start();
  const app = createApp({ db, blobs: new FsBlobStore(config.blobDir), config, webhooks: loop });
  const adminKey = opts.adminKey ?? (await createProject({ db }, 'webhooks')).adminKey.secret;
  const request = async (path: string, json?: unknown, method = json === undefined ? 'GET' : 'POST') => {
    const res = await app.request(path, { method, headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: json === undefined ? undefined : JSON.stringify(json) });
    return { status: res.status, body: (await res.json()) as any };
  };
  let closed = false;
  const stop = async () => {
    if (closed) return;
    closed = true;
    await loop.stop();
    close();
  };
  cleanups.push(async () => {
    await stop();
    if (!opts.dir) await rm(dir, { recursive: true, force: true });
  });
  return { dir, adminKey, request, stop, db };
}

/** Ends a fresh run: the run.finished event. */
async function finishRun(request: Awaited<ReturnType<typeof webhookHub>>['request']) {
  const exp = await request('/v1/experiments', { name: `e-${Math.random()}` });
  const run = await request('/v1/runs', { experimentId: exp.body.experiment.id });
  const done = await request(`/v1/runs/${run.body.run.id}`, { status: 'FINISHED' }, 'PATCH');
  expect(done.status).toBe(200);
  return run.body.run.id as string;
}

async function receiverFor(hub: Awaited<ReturnType<typeof webhookHub>>, replies: Parameters<typeof startReceiver>[0] = []) {
  const receiver = await startReceiver(replies);
  cleanups.push(receiver.close);
  const sub = await hub.request('/v1/webhooks', { url: receiver.url, events: ['run.finished'] });
  expect(sub.status).toBe(201);
  return { receiver, sub: sub.body as { id: string; secret: string } };
}

describe('webhook deliveries', () => {
  it('delivers a signed event that the standardwebhooks package verifies, once', async () => {
    const hub = await webhookHub();
    const { receiver, sub } = await receiverFor(hub);
    expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    const runId = await finishRun(hub.request);
    await until(() => receiver.received.length === 1, 5000, 'the delivery');
    const [event] = receiver.verified(sub.secret);
    expect(event).toMatchObject({ type: 'run.finished', data: { runId, status: 'FINISHED' } });
    expect(Date.parse(event!.timestamp)).not.toBeNaN();
    const log = await until(async () => {
      const d = (await hub.request(`/v1/webhooks/${sub.id}/deliveries`)).body.deliveries;
      return d[0]?.state === 'succeeded' && d;
    });
    expect(log[0]).toMatchObject({ id: receiver.received[0]!.id, attempts: 1, lastStatus: 200, log: [{ status: 200, error: null, response: 'ok' }] });
    // Nothing goes out twice after a success.
    await finishRun(hub.request);
    await until(() => receiver.received.length === 2);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(2);
  });

  it('retries after 500s with the same webhook-id and a growing delay, then succeeds and stops', async () => {
    const hub = await webhookHub();
    const { receiver, sub } = await receiverFor(hub, [{ status: 500, body: 'down' }, { status: 503 }, { status: 502 }]);
    await finishRun(hub.request);
    await until(() => receiver.received.length === 4, 10_000, 'four attempts');
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1);
    expect(receiver.received.map((r) => r.status)).toEqual([500, 503, 502, 200]);
    receiver.verified(sub.secret);
    const gaps = receiver.received.slice(1).map((r, i) => r.at - receiver.received[i]!.at);
    // Base 20 ms doubling with jitter in [½, 1]: at least 10, 20, 40 ms.
    expect(gaps[0]).toBeGreaterThanOrEqual(10);
    expect(gaps[2]).toBeGreaterThanOrEqual(40);
    const [d] = (await until(async () => {
      const list = (await hub.request(`/v1/webhooks/${sub.id}/deliveries`)).body.deliveries;
      return list[0]?.state === 'succeeded' && list;
    })) as any[];
    expect(d.log.map((a: any) => a.status)).toEqual([500, 503, 502, 200]);
    expect(d.log[0].response).toBe('down');
    await finishRun(hub.request);
    await until(() => receiver.received.length === 5);
    expect(receiver.received.filter((r) => r.id === receiver.received[0]!.id)).toHaveLength(4);
  });

  it('honours Retry-After on a 429', async () => {
    const hub = await webhookHub();
    const { receiver } = await receiverFor(hub, [{ status: 429, headers: { 'retry-after': '1' } }]);
    await finishRun(hub.request);
    await until(() => receiver.received.length === 2, 5000, 'the retry');
    expect(receiver.received[1]!.at - receiver.received[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('gives up after the attempt limit and keeps every attempt in the log; a redeliver sends the same id again', async () => {
    const hub = await webhookHub({ env: { OUTPOST_WEBHOOK_MAX_ATTEMPTS: '3' } });
    const { receiver, sub } = await receiverFor(hub, [{ status: 500 }, { status: 500 }, { status: 500 }]);
    await finishRun(hub.request);
    const [failed] = (await until(async () => {
      const list = (await hub.request(`/v1/webhooks/${sub.id}/deliveries`)).body.deliveries;
      return list[0]?.state === 'failed' && list;
    })) as any[];
    expect(failed).toMatchObject({ attempts: 3, nextAttemptAt: null, lastStatus: 500 });
    expect(receiver.received).toHaveLength(3);
    const again = await hub.request(`/v1/webhooks/${sub.id}/deliveries/${failed.id}/redeliver`, {});
    expect(again.status).toBe(200);
    expect(again.body.delivery).toMatchObject({ state: 'pending', attempts: 0 });
    await until(() => receiver.received.length === 4);
    expect(receiver.received[3]!.id).toBe(failed.id);
    const done = await until(async () => {
      const d = (await hub.request(`/v1/webhooks/${sub.id}/deliveries/${failed.id}`)).body.delivery;
      return d.state === 'succeeded' && d;
    });
    expect(done.log).toHaveLength(4);
  });

  it('refuses to redeliver a delivery still pending', async () => {
    const hub = await webhookHub({ loop: false });
    const { sub } = await receiverFor(hub);
    await finishRun(hub.request);
    const [d] = (await hub.request(`/v1/webhooks/${sub.id}/deliveries`)).body.deliveries;
    const r = await hub.request(`/v1/webhooks/${sub.id}/deliveries/${d.id}/redeliver`, {});
    expect(r.status).toBe(409);
    expect(r.body.error.message).toContain('still pending');
  });

  it('records a receiver that does not answer in time as a timeout and retries it', async () => {
    const hub = await webhookHub({ env: { OUTPOST_WEBHOOK_TIMEOUT: '200ms', OUTPOST_WEBHOOK_MAX_ATTEMPTS: '2' } });
    const { createServer } = await import('node:http');
    let hits = 0;
    const server = createServer(() => void hits++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
    const sub = await hub.request('/v1/webhooks', { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, events: ['run.finished'] });
    await finishRun(hub.request);
    const [d] = (await until(async () => {
      const list = (await hub.request(`/v1/webhooks/${sub.body.id}/deliveries`)).body.deliveries;
      return list[0]?.state === 'failed' && list;
    })) as any[];
    expect(hits).toBe(2);
    expect(d.log.map((a: any) => [a.status, a.error])).toEqual([
      [null, 'no answer within 200 ms'],
      [null, 'no answer within 200 ms'],
    ]);
  });

  it('delivers after a restart what was queued before it', async () => {
    const first = await webhookHub({ loop: false });
    const { receiver, sub } = await receiverFor(first);
    const runId = await finishRun(first.request);
    expect((await first.request(`/v1/webhooks/${sub.id}/deliveries`)).body.deliveries[0]).toMatchObject({ state: 'pending', attempts: 0 });
    await first.stop();
    expect(receiver.received).toHaveLength(0);
    await webhookHub({ dir: first.dir, adminKey: first.adminKey });
    await until(() => receiver.received.length === 1, 5000, 'the delivery after the restart');
    expect(receiver.verified(sub.secret)[0]!.data.runId).toBe(runId);
  });

  it('sends a 4xx answer no retry', async () => {
    const hub = await webhookHub();
    const { receiver, sub } = await receiverFor(hub, [{ status: 410, body: 'gone' }]);
    await finishRun(hub.request);
    const [d] = (await until(async () => {
      const list = (await hub.request(`/v1/webhooks/${sub.id}/deliveries`)).body.deliveries;
      return list[0]?.state === 'failed' && list;
    })) as any[];
    expect(d).toMatchObject({ attempts: 1, lastStatus: 410 });
    expect(receiver.received).toHaveLength(1);
  });

  it('caps the subscriptions of a project, and each create makes a new one', async () => {
    const hub = await webhookHub({ loop: false });
    const ids = new Set<string>();
    for (let i = 0; i < 25; i++) ids.add((await hub.request('/v1/webhooks', { url: 'https://hooks.example.com/x', events: ['alias.moved'] })).body.id);
    expect(ids.size).toBe(25);
    const over = await hub.request('/v1/webhooks', { url: 'https://hooks.example.com/x', events: ['alias.moved'] });
    expect(over.status).toBe(409);
    expect(over.body.error.message).toContain('delete one first');
  });

  it('queues run.finished once for a run made already finished, and not again when it is updated', async () => {
    const hub = await webhookHub({ loop: false });
    const { sub } = await receiverFor(hub);
    const exp = await hub.request('/v1/experiments', { name: 'made-finished' });
    const run = await hub.request('/v1/runs', { experimentId: exp.body.experiment.id, status: 'FINISHED' });
    await hub.request(`/v1/runs/${run.body.run.id}`, { status: 'FAILED' }, 'PATCH');
    const deliveries = (await hub.request(`/v1/webhooks/${sub.id}/deliveries`)).body.deliveries;
    expect(deliveries.map((d: { type: string; body: string }) => [d.type, JSON.parse(d.body).data.status])).toEqual([['run.finished', 'FINISHED']]);
  });

  it('queues nothing for an event no subscription wants', async () => {
    const hub = await webhookHub({ loop: false });
    const { sub } = await receiverFor(hub);
    await hub.request(`/v1/webhooks/${sub.id}`, { events: ['alias.moved'] }, 'PATCH');
    await finishRun(hub.request);
    expect((await hub.request(`/v1/webhooks/${sub.id}/deliveries`)).body.deliveries).toEqual([]);
  });

  it('refuses private and loopback destinations unless the operator allows them', async () => {
    const hub = await webhookHub({ env: { OUTPOST_WEBHOOK_ALLOW_PRIVATE: '0' } });
    for (const url of ['http://127.0.0.1:9/x', 'http://localhost/x', 'http://10.1.2.3/', 'http://169.254.169.254/latest', 'http://[::1]/', 'http://[fd00::1]/']) {
      const r = await hub.request('/v1/webhooks', { url, events: ['alias.moved'] });
      expect(r.status, url).toBe(400);
      expect(r.body.error.message).toContain('OUTPOST_WEBHOOK_ALLOW_PRIVATE=1');
    }
  });
});
