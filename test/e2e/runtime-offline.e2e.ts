import { expect, linearOnnx, openSiteWithServiceWorker, test } from './runtime/fixtures.js';
import { Site } from './runtime/site.js';

test.describe('runtime offline', () => {
  test.describe.configure({ timeout: 120_000 });

  test('after one online load the page reloads offline, loads and runs; runs recorded offline arrive once when back online', async ({ page, api, faulty, modelName }) => {
    await api.publish(modelName, 'onnx', { 'model.onnx': linearOnnx() }, 'production');
    const key = await api.publishableKey();
    // The page talks to the hub through the proxy, so "hub down" can be made real by closing the proxy.
    const site = new Site(faulty.url);
    await site.start();
    const ports = { site: site.port, hub: faulty.port };
    const ref = `${modelName}@production`;
    const infer = () =>
      page.evaluate(async ({ hub, key, ref }) => {
        const op = await (window as any).Outpost.connect({ hub, key });
        (window as any).op = op;
        const m = await op.load(ref);
        const out = await m.run({ x: { data: new Float32Array([1, 2, 3, 4]), dims: [1, 4] } });
        return { version: m.version, source: m.source, y: Array.from(out.y.data as Float32Array) };
      }, { hub: faulty.url, key, ref });
    try {
      await openSiteWithServiceWorker(page, site);
      expect(await page.evaluate(() => Boolean(navigator.serviceWorker.controller))).toBe(true);
      const online = await infer();
      expect(online.source).toBe('network');
      // The service worker kept the page and the script-tag build (an opaque cross-origin response).
      const kept = await page.evaluate(async () => (await (await caches.open('outpost-pages-v1')).keys()).map((r) => new URL(r.url).pathname));
      expect(kept).toEqual(expect.arrayContaining(['/', '/runtime.js']));

      // Offline: the browser, the site and the hub are all gone.
      await page.context().setOffline(true);
      await site.stop();
      await faulty.stop();
      await page.reload();
      await page.waitForFunction(() => 'Outpost' in window);
      const offline = await infer();
      expect(offline).toEqual({ version: 1, source: 'cache', y: online.y });

      const name = `${modelName}-offline-run`;
      const queued = await page.evaluate(async ({ name }) => {
        const op = (window as any).op;
        const run = op.track({ experiment: 'offline', name, params: { lr: 0.01 } });
        for (let s = 0; s < 25; s++) run.log({ loss: 1 / (s + 1), acc: s / 25 }, s);
        await run.finish();
        const flushed = await op.flush().then(() => 'sent', (e: Error) => e.message);
        return { flushed, status: op.status() };
      }, { name });
      expect(queued.flushed).toMatch(/still waiting to sync/);
      expect(queued.status).toMatchObject({ online: false });
      expect(queued.status.pending).toBeGreaterThanOrEqual(4);

      // The outbox survives a reload.
      await page.reload();
      await page.waitForFunction(() => 'Outpost' in window);
      const pendingAfterReload = await page.evaluate(async ({ hub, key }) => {
        (window as any).op = await (window as any).Outpost.connect({ hub, key });
        return (window as any).op.status().pending;
      }, { hub: faulty.url, key });
      expect(pendingAfterReload).toBe(queued.status.pending);

      await faulty.start(ports.hub);
      await site.start(ports.site);
      await page.context().setOffline(false);
      expect(await page.evaluate(() => (window as any).op.flush().then((s: any) => s.pending))).toBe(0);
      expect(await page.evaluate(() => (window as any).op.flush().then((s: any) => s.pending))).toBe(0);

      const runs = (await api.runsNamed('offline', name)).filter((r) => r.name === name);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: 'FINISHED', params: { lr: '0.01' } });
      for (const key of ['loss', 'acc']) expect((await api.call('GET', `/v1/runs/${runs[0].id}/metrics/${key}?maxPoints=1000`)).total).toBe(25);
      expect(faulty.syncedIds.length).toBe(new Set(faulty.syncedIds).size);
      const telemetry = await api.call('GET', `/v1/telemetry?model=${modelName}`);
      expect(telemetry.series[0]).toMatchObject({ count: 2, errors: 0 });
    } finally {
      await site.stop();
    }
  });
});
