import { describe, expect } from 'vitest';
import { linearModelOnnx } from '../../../hub/registry/onnx/write.js';
import { deviceBucket } from '../../../hub/rollouts/rollouts.js';
import { call, expectError, hub, sha256Hex, type TestProject } from '../../helpers/client.js';
import { test } from '../../helpers/fixtures.js';
import { reportFigures } from '../../helpers/telemetry.js';
import { startReceiver, until } from '../../helpers/webhook-receiver.js';

/** Each test's project has model `m` (exposed to devices) with versions 1–3 and `production` on 1. */
const it = test.extend<{ p: TestProject }>({
  p: async ({ project: p }, use) => {
    const bytes = linearModelOnnx({ inputSize: 2, outputSize: 1, seed: 1 }) as Uint8Array<ArrayBuffer>;
    const digest = `sha256:${await sha256Hex(bytes)}`;
    expect((await call(`/v1/blobs/${digest}`, { key: p.keys.write, method: 'PUT', body: bytes })).status).toBeLessThan(300);
    expect((await call('/v1/models', { key: p.keys.write, json: { name: 'm', devices: true } })).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await call('/v1/models/m/versions', { key: p.keys.write, json: { format: 'onnx', files: [{ path: 'model.onnx', digest, size: bytes.byteLength }] } })).status).toBe(201);
    expect((await call('/v1/models/m/aliases/production', { key: p.keys.write, method: 'PUT', json: { version: 1 } })).status).toBe(200);
    await use(p);
  },
});

const start = (p: TestProject, json: Record<string, unknown>) => call('/v1/models/m/rollouts', { key: p.keys.write, json: { alias: 'production', to: 2, steps: [10, 50, 100], interval: '10m', ...json } });
const get = (p: TestProject, id: string) => call(`/v1/models/m/rollouts/${id}`, { key: p.keys.read });
const act = (p: TestProject, id: string, action: string, reason?: string) => call(`/v1/models/m/rollouts/${id}/${action}`, { key: p.keys.write, json: reason ? { reason } : {} });
// A read key rather than the publishable one: the test hub limits publishable keys to 40 requests a minute.
const manifest = (p: TestProject, device?: string, etag?: string) =>
  call('/v1/models/m@production/manifest', { key: p.keys.read, headers: { ...(device ? { 'outpost-device': device } : {}), ...(etag ? { 'if-none-match': etag } : {}) } });
const devices = Array.from({ length: 40 }, (_, i) => `device-${i}`);

/** The version each device is served now. */
async function fleet(p: TestProject) {
  const out = new Map<string, number>();
  for (let i = 0; i < devices.length; i += 10) {
    const batch = devices.slice(i, i + 10);
    const replies = await Promise.all(batch.map((d) => manifest(p, d)));
    batch.forEach((d, j) => out.set(d, replies[j]!.body.version));
  }
  return out;
}

/** A telemetry report of `version` from one device, arriving now. */
const report = (version: number, latencies: number[], errors = 0) => ({
  id: crypto.randomUUID(),
  type: 'telemetry',
  model: 'm',
  version,
  backend: 'wasm',
  deviceId: `d-${version}`,
  periodStart: Date.now() - 1000,
  periodEnd: Date.now(),
  ...reportFigures(latencies, errors),
});
const send = async (p: TestProject, ...items: unknown[]) => {
  const r = await call('/v1/sync', { key: p.keys.write, json: { items } });
  expect(r.body.results.map((x: { status: string }) => x.status)).toEqual(items.map(() => 'applied'));
};
const ms = (n: number, value: number) => Array.from({ length: n }, () => value);

/** Polls the rollout until `until` holds (each read also makes any decision that is due). */
async function waitFor(p: TestProject, id: string, until: (r: { state: string; step: number }) => boolean) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = (await get(p, id)).body;
    if (until(r)) return r;
    if (Date.now() > deadline) throw new Error(`rollout never got there: ${JSON.stringify(r)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Each fleet read is 40 manifest requests, which a local workerd answers one at a time.
describe(`staged rollouts (${hub.runtime})`, { timeout: 60_000 }, () => {
  it('refuses steps that do not reach 100, a version already stable, an unknown alias, a second rollout of an alias, and read keys', async ({ p }) => {
    const refused: Array<[Record<string, unknown>, number, string]> = [
      [{ steps: [5, 25, 50] }, 400, 'must end at 100'],
      [{ steps: [50, 25, 100] }, 400, 'must rise from step to step'],
      [{ steps: [0, 100] }, 400, 'steps'],
      [{ interval: '10 minutes' }, 400, 'is not a duration like 30s'],
      [{ interval: '10ms' }, 400, 'must be between 1s and 30d'],
      [{ to: 1 }, 400, 'already points at version 1'],
      [{ to: 9 }, 404, 'no version 9'],
      [{ alias: 'staging' }, 404, 'no alias "staging"'],
      [{ maxErrorRate: 2 }, 400, 'maxErrorRate'],
    ];
    for (const [json, status, message] of refused) {
      const r = await start(p, json);
      expect(r.status, `${JSON.stringify(json)}: ${r.text}`).toBe(status);
      expect(r.body.error.message).toContain(message);
    }
    expectError(await call('/v1/models/m/rollouts', { key: p.keys.read, json: { alias: 'production', to: 2, steps: [100], interval: '1m' } }), 403, 'forbidden');
    const first = await start(p, {});
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({ alias: 'production', stableVersion: 1, candidateVersion: 2, state: 'running', step: 0, percent: 10, steps: [10, 50, 100], intervalMs: 600_000 });
    expect(first.body.id).toMatch(/^ro_/);
    const second = await start(p, { to: 3 });
    expectError(second, 409, 'conflict');
    expect(second.body.error.message).toContain(first.body.id);
    // Sent twice, a start is refused the second time: one rollout, not two.
    expect((await call('/v1/models/m/rollouts', { key: p.keys.read })).body.rollouts.map((r: { id: string }) => r.id)).toEqual([first.body.id]);
    expect((await call('/v1/models/m/aliases/production', { key: p.keys.read })).status).not.toBe(500);
  });

  it('serves the candidate to the devices whose bucket falls under the step, the same answer every time, with the ETag of what it served', async ({ p }) => {
    const r = (await start(p, { steps: [25, 100] })).body;
    const served = await fleet(p);
    const expected = devices.filter((d) => deviceBucket(r.id, d) < 25);
    expect([...served].filter(([, v]) => v === 2).map(([d]) => d)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(3);
    expect(expected.length).toBeLessThan(20);
    // Asked again, each device gets the same version; a device without an id, and a version ref, are not steered.
    expect(await fleet(p)).toEqual(served);
    expect((await manifest(p)).body.version).toBe(1);
    expect((await call('/v1/models/m/versions/1/manifest', { key: p.keys.read, headers: { 'outpost-device': expected[0]! } })).body.version).toBe(1);
    // A candidate device holding the stable version's ETag gets the candidate, not a 304.
    const stableEtag = (await manifest(p)).headers.get('etag')!;
    const onCandidate = await manifest(p, expected[0], stableEtag);
    expect(onCandidate.status).toBe(200);
    expect(onCandidate.headers.get('etag')).not.toBe(stableEtag);
    expect((await manifest(p, expected[0], onCandidate.headers.get('etag')!)).status).toBe(304);
    // Paused, devices keep what they have; aborted, every device is back on the stable version and the alias stayed.
    expect((await act(p, r.id, 'pause', 'looking at a report')).body.state).toBe('paused');
    expect((await act(p, r.id, 'pause')).body.state).toBe('paused');
    expect(await fleet(p)).toEqual(served);
    const aborted = (await act(p, r.id, 'abort', 'wrong build')).body;
    expect(aborted).toMatchObject({ state: 'aborted', percent: 0 });
    expect(aborted.decisions.map((d: { action: string }) => d.action)).toEqual(['started', 'paused', 'aborted']);
    expect(aborted.decisions.at(-1).message).toContain('wrong build');
    expect(new Set((await fleet(p)).values())).toEqual(new Set([1]));
    expectError(await act(p, r.id, 'resume'), 409, 'conflict');
    // The alias is free for a new rollout now.
    expect((await start(p, { to: 3 })).status).toBe(201);
  });

  it('waits for enough requests, advances when the candidate holds up, and moves the alias after the last step', async ({ p }) => {
    const r = (await start(p, { steps: [50, 100], interval: '1s', minRequests: 20, maxErrorRate: 0.05, maxP95Ratio: 1.5 })).body;
    // Too few candidate requests: the step waits past its interval rather than passing. (Sent before any other read,
    // so no check can fall due first.)
    await send(p, report(2, ms(5, 10)), report(1, ms(30, 10)));
    const before = (await fleet(p)).values();
    const onCandidate = [...before].filter((v) => v === 2).length;
    const waiting = await waitFor(p, r.id, (x) => (x as unknown as { decisions: Array<{ action: string }> }).decisions.at(-1)?.action === 'waiting');
    expect(waiting).toMatchObject({ state: 'running', step: 0 });
    expect(waiting.decisions.at(-1).message).toContain('5 of 20 candidate requests');
    await send(p, report(2, ms(20, 11), 1));
    const advanced = await waitFor(p, r.id, (x) => x.step === 1);
    expect(advanced).toMatchObject({ state: 'running', percent: 100 });
    expect(advanced.decisions.at(-1)).toMatchObject({ action: 'advanced', candidate: { requests: 26, errors: 1 }, stable: { requests: 30, errors: 0 } });
    // The new step's figures start at zero; the devices seen on each side count since the rollout began.
    expect(advanced.figures).toMatchObject({ candidate: { requests: 0, devices: 1 }, stable: { requests: 0, devices: 1 } });
    expect(new Set((await fleet(p)).values())).toEqual(new Set([2]));
    expect(onCandidate).toBeGreaterThan(0);
    // The last step needs its own requests; then the alias moves, recorded as the rollout's.
    await send(p, report(2, ms(25, 10)));
    const done = await waitFor(p, r.id, (x) => x.state === 'completed');
    expect(done.decisions.at(-1)).toMatchObject({ action: 'completed' });
    const history = (await call('/v1/models/m/history?alias=production', { key: p.keys.read })).body;
    expect(JSON.stringify(history)).toContain(`rollout ${r.id} completed`);
    expect((await manifest(p, 'anyone')).body.version).toBe(2);
    expect((await call('/v1/models/m', { key: p.keys.read })).body.model.aliases.production).toBe(2);
  });

  it('rolls back a candidate with too many errors, or too slow against the stable version, and the alias never moves', async ({ p }) => {
    const errors = (await start(p, { steps: [50, 100], interval: '1s', minRequests: 20, maxErrorRate: 0.05 })).body;
    await send(p, report(2, ms(19, 10), 2), report(1, ms(30, 10)));
    const back = await waitFor(p, errors.id, (x) => x.state !== 'running');
    expect(back).toMatchObject({ state: 'rolled_back', percent: 0, step: 0 });
    expect(back.decisions.at(-1).action).toBe('rolled_back');
    expect(back.decisions.at(-1).message).toContain('error rate 0.0952 over the limit 0.05 (2 of 21)');
    expect(new Set((await fleet(p)).values())).toEqual(new Set([1]));
    expect((await call('/v1/models/m', { key: p.keys.read })).body.model.aliases.production).toBe(1);

    const slow = (await start(p, { to: 3, steps: [50, 100], interval: '1s', minRequests: 20, maxP95Ratio: 1.5 })).body;
    await send(p, { ...report(3, ms(30, 40)) }, report(1, ms(30, 20)));
    const slowBack = await waitFor(p, slow.id, (x) => x.state !== 'running');
    expect(slowBack.state).toBe('rolled_back');
    expect(slowBack.decisions.at(-1).message).toMatch(/p95 [\d.]+ ms is [\d.]+× the stable version's [\d.]+ ms, over the limit 1.5×/);
    expect((await call('/v1/models/m', { key: p.keys.read })).body.model.aliases.production).toBe(1);
  });

  it('promotes by hand, tells webhooks each step, and a deleted candidate aborts its rollout', async ({ p }) => {
    const receiver = await startReceiver();
    const sub = await call('/v1/webhooks', { key: p.keys.admin, json: { url: receiver.url, events: ['rollout.started', 'rollout.paused', 'rollout.completed'] } });
    expect(sub.status, sub.text).toBe(201);
    const r = (await start(p, {})).body;
    expect((await act(p, r.id, 'pause')).status).toBe(200);
    const promoted = (await act(p, r.id, 'promote', 'looks fine')).body;
    expect(promoted).toMatchObject({ state: 'completed', percent: 100 });
    try {
      await until(() => receiver.received.length >= 3, 15_000, 'three rollout events');
      const events = receiver.verified(sub.body.secret);
      expect(events.map((e) => e.type).sort()).toEqual(['rollout.completed', 'rollout.paused', 'rollout.started']);
      expect(events.find((e) => e.type === 'rollout.completed')!.data).toMatchObject({ rollout: r.id, model: 'm', alias: 'production', candidateVersion: 2, state: 'completed' });
    } finally {
      await receiver.close();
    }
    expect((await act(p, r.id, 'promote')).status).toBe(200);
    expect((await call('/v1/models/m', { key: p.keys.read })).body.model.aliases.production).toBe(2);
    const next = (await start(p, { to: 3 })).body;
    expect((await call('/v1/models/m/versions/3', { key: p.keys.write, method: 'DELETE' })).status).toBeLessThan(300);
    const gone = (await get(p, next.id)).body;
    expect(gone).toMatchObject({ state: 'aborted', percent: 0 });
    expect(gone.decisions.at(-1).message).toBe('version 3 was deleted');
    expect((await manifest(p, 'anyone')).body.version).toBe(2);
    expectError(await get(p, 'ro_nope'), 404, 'not_found');
  });
});
