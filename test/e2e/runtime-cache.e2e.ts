import { linearModelOnnx } from '../../hub/registry/onnx/write.js';
import { tfjsModelFiles } from '../../hub/demo/tfjs-model.js';
import { expect, linearOnnx, openSite, SILERO_VAD, test } from './runtime/fixtures.js';

/** How many blobs and manifests the runtime holds in this origin's IndexedDB. */
const idbCounts = (page: import('@playwright/test').Page) =>
  page.evaluate(
    () =>
      new Promise<{ blobs: number; manifests: number }>((resolve, reject) => {
        const open = indexedDB.open('outpost-runtime');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction(['blobs', 'manifests']);
          const blobs = tx.objectStore('blobs').count();
          const manifests = tx.objectStore('manifests').count();
          tx.oncomplete = () => resolve({ blobs: blobs.result, manifests: manifests.result });
        };
      }),
  );

test.describe('runtime model cache', () => {
  test.describe.configure({ timeout: 120_000 });

  test('loads from IndexedDB the second time, revalidates in the background, and takes a new version on the next load or update()', async ({ page, api, site, hubUrl, modelName }) => {
    await api.publish(modelName, 'tfjs-layers', tfjsModelFiles(1), 'production');
    const key = await api.publishableKey();
    const blobRequests: string[] = [];
    page.on('request', (r) => r.url().includes('/v1/blobs/') && blobRequests.push(r.url()));
    await openSite(page, site);
    const ref = `${modelName}@production`;
    const first = await page.evaluate(async ({ hub, key, ref }) => {
      const op = await (window as any).Outpost.connect({ hub, key });
      (window as any).op = op;
      const m = await op.load(ref);
      (window as any).firstModel = m;
      const again = await op.load(ref);
      return { first: [m.version, m.source], again: [again.version, again.source, await again.revalidated] };
    }, { hub: hubUrl, key, ref });
    expect(first).toEqual({ first: [1, 'network'], again: [1, 'cache', false] });
    expect(blobRequests).toHaveLength(3);

    await api.publish(modelName, 'tfjs-layers', tfjsModelFiles(2), 'production');
    const later = await page.evaluate(async ({ ref }) => {
      const op = (window as any).op;
      const stale = await op.load(ref);
      const revalidated = await stale.revalidated;
      const next = await op.load(ref);
      const switched = await (window as any).firstModel.update();
      return { stale: [stale.version, stale.source, revalidated], next: [next.version, next.source], updated: [switched, (window as any).firstModel.version], cached: await op.cache.list() };
    }, { ref });
    expect(later.stale).toEqual([1, 'cache', true]);
    expect(later.next).toEqual([2, 'cache']);
    expect(later.updated).toEqual([true, 2]);
    expect(later.cached).toMatchObject([{ ref, model: modelName, version: 2, format: 'tfjs-layers', local: false }]);
  });

  test('rejects a blob corrupted on the wire and never caches it', async ({ page, api, site, faulty, modelName }) => {
    await api.publish(modelName, 'onnx', { 'model.onnx': linearOnnx() }, 'production');
    const key = await api.publishableKey();
    await openSite(page, site);
    faulty.fault = 'flip-blob-byte';
    const load = (hub: string) =>
      page.evaluate(async ({ hub, key, ref }) => {
        const op = await (window as any).Outpost.connect({ hub, key });
        return op.load(ref).then(
          async (m: any) => ({ ok: m.version, cached: (await op.cache.list()).length }),
          async (e: any) => ({ error: `${e.code}: ${e.message}`, cached: (await op.cache.list()).length }),
        );
      }, { hub, key, ref: `${modelName}@production` });
    const corrupt = await load(faulty.url);
    expect(corrupt.error).toMatch(/^integrity: model\.onnx of .* as downloaded is corrupt: its sha256 is sha256:[0-9a-f]{64}, the manifest says sha256:/);
    expect(corrupt.cached).toBe(0);
    expect(await idbCounts(page)).toEqual({ blobs: 0, manifests: 0 });

    faulty.fault = 'truncate-blob';
    const truncated = await load(faulty.url);
    expect(truncated.error).toMatch(/^offline: .* is not cached on this device and could not be downloaded: the download of model\.onnx broke off after \d+ of \d+ bytes/);
    expect(await idbCounts(page)).toEqual({ blobs: 0, manifests: 0 });

    faulty.fault = 'none';
    expect(await load(faulty.url)).toEqual({ ok: 1, cached: 1 });
    expect(await idbCounts(page)).toEqual({ blobs: 1, manifests: 1 });
  });

  test('resumes a download that broke off with a Range request for the rest, and the model is the same bytes', async ({ page, api, site, faulty, modelName }) => {
    const model = linearModelOnnx({ inputSize: 512, outputSize: 256 });
    await api.publish(modelName, 'onnx', { 'model.onnx': model }, 'production');
    const key = await api.publishableKey();
    await openSite(page, site);
    faulty.fault = 'cut-blob-once';
    const result = await page.evaluate(async ({ hub, key, ref }) => {
      const op = await (window as any).Outpost.connect({ hub, key });
      const m = await op.load(ref, { backend: 'wasm' });
      const y = await m.run({ x: { data: new Float32Array(512).fill(1), dims: [1, 512] } });
      return { version: m.version, source: m.source, y0: y.y.data[0] };
    }, { hub: faulty.url, key, ref: `${modelName}@production` });
    expect(result).toMatchObject({ version: 1, source: 'network' });
    // One full request cut at half, then one range request for the rest: the retry moved only the missing half.
    const [first, second, ...more] = faulty.blobReplies;
    expect(more).toEqual([]);
    expect(first).toMatchObject({ range: null, status: 200, bytes: model.length >> 1 });
    expect(second).toMatchObject({ range: `bytes=${model.length >> 1}-`, status: 206, bytes: model.length - (model.length >> 1) });
    expect(await idbCounts(page)).toEqual({ blobs: 1, manifests: 1 });
  });

  test('never runs a damaged cached blob: the run is refused and it is fetched again, or a clear error when the hub is unreachable', async ({ page, api, site, faulty, modelName }) => {
    await api.publish(modelName, 'onnx', { 'model.onnx': linearOnnx() }, 'production');
    const key = await api.publishableKey();
    await openSite(page, site);
    const ref = `${modelName}@production`;
    // Flips a byte of every cached file, or cuts it short keeping its recorded size, in place in IndexedDB.
    const damage = (how: 'flip' | 'truncate' = 'flip') =>
      page.evaluate(async (how) => {
        const db: IDBDatabase = await new Promise((resolve) => {
          const open = indexedDB.open('outpost-runtime');
          open.onsuccess = () => resolve(open.result);
        });
        const records: any[] = await new Promise((resolve) => {
          const all = db.transaction('blobs').objectStore('blobs').getAll();
          all.onsuccess = () => resolve(all.result);
        });
        for (const r of records) {
          let bytes = new Uint8Array(r.data instanceof Blob ? await r.data.arrayBuffer() : r.data.slice(0));
          if (how === 'flip') bytes[10] = bytes[10]! ^ 0xff;
          else bytes = bytes.slice(0, bytes.length >> 1);
          await new Promise((resolve) => {
            const tx = db.transaction('blobs', 'readwrite');
            tx.objectStore('blobs').put({ ...r, data: new Blob([bytes]) });
            tx.oncomplete = resolve;
          });
        }
      }, how);
    const load = () =>
      page.evaluate(async ({ hub, key, ref }) => {
        const op = await (window as any).Outpost.connect({ hub, key });
        const model = await op.load(ref).catch((e: any) => e);
        if (model instanceof Error) return `${(model as any).code}: ${model.message}`;
        const ran = await model.run({ x: { data: new Float32Array(4), dims: [1, 4] } }).then(() => 'ran', (e: any) => `${e.code}: ${e.message}`);
        return `v${model.version} from ${model.source}: ${ran}`;
      }, { hub: faulty.url, key, ref });
    expect(await load()).toBe('v1 from network: ran');
    // The graph still parses with the byte flipped: the session builds, the check fails, and no run ever reaches it.
    await damage();
    expect(await load()).toMatch(/^v1 from cache: integrity: .* its cached model\.onnx was damaged on this device \(its chunk 1 of 1 .*\); the session was disposed before it ran/);
    expect(await load()).toBe('v1 from network: ran');
    // Half a model fails onnxruntime's parse before its hash is done: the check still decides, and it is fetched again.
    await damage('truncate');
    expect(await load()).toBe('v1 from network: ran');
    expect(await load()).toBe('v1 from cache: ran');
    await damage();
    await faulty.stop();
    expect(await load()).toMatch(/^v1 from cache: integrity: /);
    expect(await load()).toMatch(/^integrity: the cached copy of .* is damaged and the hub cannot be reached/);
  });

  test('lists and evicts cached models, freeing blobs no other model needs', async ({ page, api, site, hubUrl, modelName }) => {
    await api.publish(modelName, 'onnx', { 'model.onnx': linearOnnx() }, 'production');
    await api.publish(`${modelName}-tf`, 'tfjs-layers', tfjsModelFiles(4), 'production');
    const key = await api.publishableKey();
    await openSite(page, site);
    const result = await page.evaluate(async ({ hub, key, a, b }) => {
      const op = await (window as any).Outpost.connect({ hub, key });
      await op.load(a);
      await op.load(`${a.split('@')[0]}/1`);
      await op.load(b);
      const before = (await op.cache.list()).map((m: any) => m.ref).sort();
      const evicted = await op.cache.evict(a.split('@')[0]);
      const after = (await op.cache.list()).map((m: any) => m.ref);
      return { before, evicted, after };
    }, { hub: hubUrl, key, a: `${modelName}@production`, b: `${modelName}-tf@production` });
    expect(result.before).toEqual([`${modelName}-tf@production`, `${modelName}/1`, `${modelName}@production`].sort());
    expect(result.evicted).toBe(2);
    expect(result.after).toEqual([`${modelName}-tf@production`]);
    expect(await idbCounts(page)).toEqual({ blobs: 3, manifests: 1 });
  });

  test('reports the origin’s storage usage and quota, which grow with a cached model, and asks for persistence when told to', async ({ page, api, site, hubUrl, modelName }) => {
    await api.publish(modelName, 'onnx', { 'model.onnx': linearModelOnnx({ inputSize: 256, outputSize: 256 }) }, 'production');
    const key = await api.publishableKey();
    await openSite(page, site);
    const result = await page.evaluate(async ({ hub, key, ref }) => {
      let asked = 0;
      const persist = navigator.storage.persist.bind(navigator.storage);
      navigator.storage.persist = () => (asked++, persist());
      await (window as any).Outpost.connect({ hub, key });
      const notAsked = asked;
      const op = await (window as any).Outpost.connect({ hub, key, persistStorage: true });
      const before = await op.cache.storage();
      await op.load(ref);
      const after = await op.cache.storage();
      return { before, after, notAsked, asked, granted: await op.cache.persist(), persisted: await navigator.storage.persisted() };
    }, { hub: hubUrl, key, ref: `${modelName}@production` });
    expect(result.before.quota).toBeGreaterThan(0);
    // The model's 256 KB of weights (and the runtime's cached files) are counted against the origin.
    expect(result.after.usage).toBeGreaterThan(result.before.usage + 256 * 256 * 4);
    expect(result.after.persisted).toBe(result.persisted);
    // Only the page that opted in asked the browser.
    expect(result.notAsked).toBe(0);
    expect(result.asked).toBe(1);
    expect(typeof result.granted).toBe('boolean');
  });

  test('reports a full storage quota instead of swallowing it', async ({ page, api, site, hubUrl, modelName }) => {
    await api.publish(modelName, 'onnx', { 'silero_vad.onnx': SILERO_VAD }, 'production');
    const key = await api.publishableKey();
    await openSite(page, site);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: site.url, quotaSize: 200_000 });
    const result = await page.evaluate(async ({ hub, key, ref }) => {
      const op = await (window as any).Outpost.connect({ hub, key });
      const cached = await op.load(ref).then(() => 'loaded', (e: any) => `${e.code}: ${e.message}`);
      const uncached = await op.load(ref, { cache: false }).then((m: any) => `v${m.version} from ${m.source}`, (e: any) => `${e.code}: ${e.message}`);
      return { cached, uncached };
    }, { hub: hubUrl, key, ref: `${modelName}@production` });
    expect(result.cached).toMatch(/^quota_exceeded: browser storage is full while caching .* v1: evict cached models/);
    expect(result.uncached).toBe('v1 from network');
  });
});
