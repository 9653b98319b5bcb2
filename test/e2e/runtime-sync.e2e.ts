import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { newApiKey } from '../../shared/ids.js';
import { freePort, hubArgs, startProcess, stopProcess, waitForHealthy, type Started } from '../helpers/processes.js';
import { HubApi } from './runtime/hub-api.js';
import { FaultyProxy } from './runtime/proxy.js';
import { Site } from './runtime/site.js';
import { expect, linearOnnx, test } from './runtime/fixtures.js';

const STEPS = 40;

/** In the page: `runs` tracked runs of STEPS loss points each, and `inferences` model runs (telemetry). */
async function record(page: Page, args: { hub: string; key: string; ref: string; prefix: string; runs: number; inferences: number }) {
  return page.evaluate(async ({ hub, key, ref, prefix, runs, inferences, steps }) => {
    const w = window as any;
    w.op ??= await w.Outpost.connect({ hub, key, telemetryIntervalMs: 3_600_000 });
    const model = await w.op.load(ref);
    for (let i = 0; i < inferences; i++) await model.run({ x: { data: new Float32Array(4).fill(i), dims: [1, 4] } });
    for (let r = 0; r < runs; r++) {
      const run = w.op.track({ experiment: 'sync-faults', name: `${prefix}-${r}`, params: { r } });
      for (let s = 0; s < steps; s++) run.log({ loss: 1 / (s + 1) }, s);
      await run.finish();
    }
    return w.op.flush().then(() => 'delivered', (e: Error) => e.message);
  }, { ...args, steps: STEPS });
}

/** Flushes the page's outbox; `flushCalls` counts the calls that have begun, so a test can see both tabs inside one. */
const flush = (page: Page) =>
  page.evaluate(() => {
    const w = window as any;
    w.flushCalls = (w.flushCalls ?? 0) + 1;
    return w.op.flush().then((s: any) => `pending ${s.pending}`, (e: Error) => e.message);
  });

/** Every run once, each with exactly STEPS points: nothing lost, nothing doubled. */
async function expectExactlyOnce(api: HubApi, prefix: string, runs: number) {
  const found = await api.runsNamed('sync-faults', `${prefix}-`);
  expect(found.map((r) => r.name).sort()).toEqual(Array.from({ length: runs }, (_, i) => `${prefix}-${i}`).sort());
  for (const run of found) {
    expect(run.status).toBe('FINISHED');
    const series = await api.call('GET', `/v1/runs/${run.id}/metrics/loss?maxPoints=1000`);
    expect(series.total).toBe(STEPS);
  }
}

test.describe('runtime sync', () => {
  test.describe.configure({ timeout: 240_000 });

  test('delivers every record exactly once through 500s, dropped connections, lost replies and a hub restart', async ({ page, modelName }) => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'outpost-sync-'));
    const env = { OUTPOST_PORT: String(port), OUTPOST_DATA_DIR: dataDir, OUTPOST_ADMIN_KEY: newApiKey('secret'), OUTPOST_DEMO: '0' };
    const hubUrl = `http://127.0.0.1:${port}`;
    const startHub = async () => {
      const hub = startProcess(process.execPath, hubArgs(), env);
      await waitForHealthy(hubUrl, hub);
      return hub;
    };
    let hub: Started = await startHub();
    const proxy = new FaultyProxy(hubUrl);
    await proxy.start();
    const site = new Site(proxy.url);
    await site.start();
    try {
      const api = new HubApi(hubUrl, env.OUTPOST_ADMIN_KEY);
      await api.publish(modelName, 'onnx', { 'model.onnx': linearOnnx() }, 'production');
      const key = await api.publishableKey();
      await page.goto(site.url);

      proxy.fault = 'error500';
      expect(await record(page, { hub: proxy.url, key, ref: `${modelName}@production`, prefix: modelName, runs: 4, inferences: 12 })).toMatch(/records are still waiting to sync: sync: injected fault/);
      proxy.fault = 'drop';
      expect(await flush(page)).toMatch(/records are still waiting to sync: hub .* is unreachable/);
      // The hub applies the batch but the reply never arrives: the runtime must resend, the hub must not double.
      proxy.fault = 'drop-reply';
      expect(await flush(page)).toMatch(/records are still waiting to sync/);
      expect(proxy.syncedIds.length).toBeGreaterThan(0);

      await stopProcess(hub);
      proxy.fault = 'none';
      expect(await flush(page)).toMatch(/records are still waiting to sync/);
      hub = await startHub();
      expect(await flush(page)).toBe('pending 0');

      // Resends happened (the lost reply), yet the hub holds each record once.
      expect(proxy.syncedIds.length).toBeGreaterThan(new Set(proxy.syncedIds).size);
      await expectExactlyOnce(api, modelName, 4);
      const telemetry = await api.call('GET', `/v1/telemetry?model=${modelName}`);
      expect(telemetry.series).toMatchObject([{ model: modelName, version: 1, backend: 'wasm', count: 12, errors: 0 }]);
    } finally {
      await site.stop();
      await proxy.stop();
      await stopProcess(hub);
    }
  });

  test('two tabs of one origin never send the same item twice', async ({ context, api, faulty, hubUrl, modelName }) => {
    await api.publish(modelName, 'onnx', { 'model.onnx': linearOnnx() }, 'production');
    const key = await api.publishableKey();
    const site = new Site(faulty.url);
    await site.start();
    try {
      const [a, b] = [await context.newPage(), await context.newPage()];
      await a.goto(site.url);
      await b.goto(site.url);
      faulty.fault = 'error500';
      const ref = `${modelName}@production`;
      await record(a, { hub: faulty.url, key, ref, prefix: `${modelName}-a`, runs: 3, inferences: 0 });
      await record(b, { hub: faulty.url, key, ref, prefix: `${modelName}-b`, runs: 3, inferences: 0 });
      faulty.fault = 'none';
      // Force the race: the first batch to reach the proxy is held there until both tabs are inside a flush.
      const release = faulty.holdSync();
      const flushes = Promise.all([flush(a), flush(b), flush(a), flush(b)]);
      await expect.poll(() => faulty.heldSyncs).toBeGreaterThan(0);
      await expect.poll(() => Promise.all([a, b].map((p) => p.evaluate(() => (window as any).flushCalls)))).toEqual([2, 2]);
      release();
      expect(await flushes).toEqual(['pending 0', 'pending 0', 'pending 0', 'pending 0']);
      expect(faulty.syncedIds.length).toBe(new Set(faulty.syncedIds).size);
      await expectExactlyOnce(api, `${modelName}-a`, 3);
      await expectExactlyOnce(api, `${modelName}-b`, 3);
    } finally {
      await site.stop();
    }
  });

  test('a tab that crashes mid-period loses at most the last half second of telemetry', async ({ context, api, site, hubUrl, modelName }) => {
    await api.publish(modelName, 'onnx', { 'model.onnx': linearOnnx() }, 'production');
    const key = await api.publishableKey();
    const page = await context.newPage();
    // Each finished run reports its time out of the page, so the count survives the crash.
    const ranAt: number[] = [];
    await page.exposeFunction('ran', (at: number) => void ranAt.push(at));
    await page.goto(site.url);
    await page.waitForFunction(() => 'Outpost' in window);
    void page.evaluate(async ({ hub, key, ref }) => {
      const w = window as any;
      // An hour-long period: only the journal's half-second saves can carry these runs past the crash.
      const op = await w.Outpost.connect({ hub, key, telemetryIntervalMs: 3_600_000 });
      const model = await op.load(ref);
      for (let i = 0; ; i++) {
        await model.run({ x: { data: new Float32Array(4).fill(i), dims: [1, 4] } });
        await w.ran(Date.now());
      }
    }, { hub: hubUrl, key, ref: `${modelName}@production` }).catch(() => {});
    // Crash after a couple of seconds of runs, mid-period and not right after a save.
    await expect.poll(() => (ranAt.length ? Date.now() - ranAt[0]! : 0), { timeout: 30_000 }).toBeGreaterThan(2_000);
    const crashed = page.waitForEvent('crash');
    const cdp = await context.newCDPSession(page);
    const crashAt = Date.now();
    void cdp.send('Page.crash').catch(() => {});
    await crashed;
    const ran = ranAt.length;

    // The next page on the origin sends what the crashed tab left.
    const next = await context.newPage();
    await next.goto(site.url);
    await next.waitForFunction(() => 'Outpost' in window);
    expect(await next.evaluate(async ({ hub, key }) => {
      const op = await (window as any).Outpost.connect({ hub, key });
      return (await op.flush()).pending;
    }, { hub: hubUrl, key })).toBe(0);
    const arrived = async () => ((await api.call('GET', `/v1/telemetry?model=${modelName}`)).series as Array<{ count: number }>).reduce((n, s) => n + s.count, 0);
    const count = await arrived();
    // Everything run more than half a second before the crash arrived (250 ms more for the save's own IndexedDB write
    // and the report of a run reaching the test), and nothing beyond what was run.
    const dueBy = ranAt.filter((at) => at <= crashAt - 500 - 250).length;
    console.log(`[crash] ${ran} runs reported before the crash, ${dueBy} of them over 750 ms before it; ${count} arrived`);
    expect(dueBy).toBeGreaterThan(0);
    expect(count).toBeGreaterThanOrEqual(dueBy);
    expect(count).toBeLessThanOrEqual(ran + 1);
  });
});
