import { createHash } from 'node:crypto';
import type { Page } from '@playwright/test';
import { linearModelOnnx, linearModelWeights, writeOnnxModelWithExternalData } from '../../hub/registry/onnx/write.js';
import { expect, openSite, test } from './runtime/fixtures.js';

/** y = x·W + b with W [1024, 1100] in an external data file: 4.5 MB of weights (two 4 MiB chunks) beside a small graph. */
function externalDataModel() {
  const { weight, bias } = linearModelWeights({ inputSize: 1024, outputSize: 1100, seed: 3 });
  const { model, data } = writeOnnxModelWithExternalData({
    producer: 'outpost-test',
    inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 1024] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 1100] }],
    initializers: [
      { name: 'W', dims: [1024, 1100], floats: weight },
      { name: 'b', dims: [1100], floats: bias },
    ],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'W'], outputs: ['xW'] },
      { op: 'Add', inputs: ['xW', 'b'], outputs: ['y'] },
    ],
    externalData: 'model.onnx.data',
  });
  return { 'model.onnx': model, 'model.onnx.data': data };
}

/** The same model in one file (4.5 MB, in OPFS): the worker reads it straight into onnxruntime's heap. */
const singleFileModel = () => ({ 'model.onnx': linearModelOnnx({ inputSize: 1024, outputSize: 1100, seed: 3 }) });

const hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Makes OPFS unavailable to the page, as in a browser without it: the runtime must fall back to IndexedDB. */
const withoutOpfs = (page: Page) => page.addInitScript(() => delete (StorageManager.prototype as { getDirectory?: unknown }).getDirectory);

/** The runtime's blob records in IndexedDB, and the files in its OPFS folder. */
const stored = (page: Page) =>
  page.evaluate(async () => {
    const db: IDBDatabase = await new Promise((resolve, reject) => {
      const open = indexedDB.open('outpost-runtime');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const records: any[] = await new Promise((resolve) => {
      const all = db.transaction('blobs').objectStore('blobs').getAll();
      all.onsuccess = () => resolve(all.result);
    });
    db.close();
    const files: Record<string, number> = {};
    if (navigator.storage.getDirectory) {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('outpost-models', { create: true });
      for await (const [name, handle] of (dir as any).entries()) files[name] = (await handle.getFile()).size;
    }
    const blobs = Object.fromEntries(records.map((r) => [r.digest.slice(7), { in: r.opfs ? 'opfs' : 'indexeddb', chunks: r.chunks?.length ?? 0 }]));
    return { blobs, files };
  });

/** Flips one byte of a stored file where it lies (OPFS file or IndexedDB Blob), keeping its size. */
const damage = (page: Page, digestHex: string, at: number) =>
  page.evaluate(
    async ({ digestHex, at }) => {
      const db: IDBDatabase = await new Promise((resolve) => {
        const open = indexedDB.open('outpost-runtime');
        open.onsuccess = () => resolve(open.result);
      });
      const record: any = await new Promise((resolve) => {
        const get = db.transaction('blobs').objectStore('blobs').get(`sha256:${digestHex}`);
        get.onsuccess = () => resolve(get.result);
      });
      if (record.opfs) {
        const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('outpost-models');
        const handle = await dir.getFileHandle(record.opfs);
        const [old] = new Uint8Array(await (await handle.getFile()).slice(at, at + 1).arrayBuffer());
        const writable = await handle.createWritable({ keepExistingData: true });
        await writable.write({ type: 'write', position: at, data: new Uint8Array([old! ^ 0xff]) });
        await writable.close();
      } else {
        const bytes = new Uint8Array(await (record.data as Blob).arrayBuffer());
        bytes[at] = bytes[at]! ^ 0xff;
        await new Promise((resolve) => {
          const tx = db.transaction('blobs', 'readwrite');
          tx.objectStore('blobs').put({ ...record, data: new Blob([bytes]) });
          tx.oncomplete = resolve;
        });
      }
      db.close();
    },
    { digestHex, at },
  );

/** Loads the model and runs it on x = 1…1; the outcome as text, with a checksum of y, and the path its model file took. */
const loadAndRun = (page: Page, args: { hub: string; key: string; ref: string }) =>
  page.evaluate(async ({ hub, key, ref }) => {
    const op = await (window as any).Outpost.connect({ hub, key });
    const model = await op.load(ref, { backend: 'wasm' }).catch((e: any) => e);
    if (model instanceof Error) return { load: `${(model as any).code}: ${model.message}` };
    const y = await model.run({ x: { data: new Float32Array(1024).fill(1), dims: [1, 1024] } }).catch((e: any) => e);
    const run = y instanceof Error ? `${(y as any).code}: ${y.message}` : `y sums to ${(y.y.data as Float32Array).reduce((s, v) => s + v, 0).toFixed(3)}`;
    await model.dispose();
    return { load: `v${model.version} from ${model.source}`, path: model.loadPath, run };
  }, args);

test.describe('runtime storage of large model files', () => {
  test.describe.configure({ timeout: 120_000 });

  test('keeps a large file in OPFS, written as it downloads, the small graph in IndexedDB, and loads both warm (external data)', async ({ page, api, site, hubUrl, modelName }) => {
    const files = externalDataModel();
    await api.publish(modelName, 'onnx', files, 'production');
    const args = { hub: hubUrl, key: await api.publishableKey(), ref: `${modelName}@production` };
    await openSite(page, site);
    const first = await loadAndRun(page, args);
    expect(first).toMatchObject({ load: 'v1 from network', path: 'buffer', run: expect.stringMatching(/^y sums to /) });
    const { blobs, files: onDisk } = await stored(page);
    expect(blobs[hex(files['model.onnx.data'])]).toEqual({ in: 'opfs', chunks: 2 });
    expect(blobs[hex(files['model.onnx'])]).toEqual({ in: 'indexeddb', chunks: 1 });
    expect(onDisk[hex(files['model.onnx.data'])]).toBe(files['model.onnx.data'].length);
    // The graph is an IndexedDB Blob: its bytes (and the external data's) go into buffers of their own.
    expect(await loadAndRun(page, args)).toEqual({ load: 'v1 from cache', path: 'buffer', run: first.run });
  });

  test('falls back to IndexedDB where the browser has no OPFS', async ({ page, api, site, hubUrl, modelName }) => {
    const files = externalDataModel();
    await api.publish(modelName, 'onnx', files, 'production');
    const args = { hub: hubUrl, key: await api.publishableKey(), ref: `${modelName}@production` };
    await withoutOpfs(page);
    await openSite(page, site);
    expect(await page.evaluate(() => 'getDirectory' in navigator.storage)).toBe(false);
    const first = await loadAndRun(page, args);
    expect(first).toMatchObject({ load: 'v1 from network', path: 'buffer', run: expect.stringMatching(/^y sums to /) });
    const { blobs } = await stored(page);
    expect(blobs[hex(files['model.onnx.data'])]).toEqual({ in: 'indexeddb', chunks: 2 });
    expect(await loadAndRun(page, args)).toEqual({ load: 'v1 from cache', path: 'buffer', run: first.run });
  });

  test('keeps a one-file model of 4.5 MB in OPFS and loads it warm, read into onnxruntime\'s heap, with the same result', async ({ page, api, site, hubUrl, modelName }) => {
    const files = singleFileModel();
    await api.publish(modelName, 'onnx', files, 'production');
    const args = { hub: hubUrl, key: await api.publishableKey(), ref: `${modelName}@production` };
    await openSite(page, site);
    const first = await loadAndRun(page, args);
    expect(first).toMatchObject({ load: 'v1 from network', path: 'buffer', run: expect.stringMatching(/^y sums to /) });
    // The same weights as the external-data model's.
    const other = externalDataModel();
    await api.publish(`${modelName}-ext`, 'onnx', other, 'production');
    expect((await loadAndRun(page, { ...args, ref: `${modelName}-ext@production` })).run).toBe(first.run);
    expect((await stored(page)).blobs[hex(files['model.onnx'])]).toEqual({ in: 'opfs', chunks: 2 });
    // Every warm load reads it straight into onnxruntime's heap: an onnxruntime build whose module the worker no longer
    // catches would still load, into a buffer of its own (≈ 1.8× slower), and fail here.
    for (let i = 0; i < 3; i++) expect(await loadAndRun(page, args)).toEqual({ load: 'v1 from cache', path: 'heap', run: first.run });
  });

  const cases = [
    { where: 'OPFS', file: 'model.onnx.data', model: externalDataModel },
    { where: 'IndexedDB', file: 'model.onnx.data', model: externalDataModel },
    // The model file itself: from OPFS read into onnxruntime's heap and checked from there; from IndexedDB into a buffer.
    { where: 'OPFS', file: 'model.onnx', model: singleFileModel },
    { where: 'IndexedDB', file: 'model.onnx', model: singleFileModel },
  ] as const;
  for (const { where, file, model } of cases) {
    test(`a stored ${file} damaged in ${where} never produces a result: the session is disposed before any run, and the next load downloads it again`, async ({ page, api, site, hubUrl, modelName }) => {
      const files: Record<string, Uint8Array> = model();
      await api.publish(modelName, 'onnx', files, 'production');
      const args = { hub: hubUrl, key: await api.publishableKey(), ref: `${modelName}@production` };
      if (where === 'IndexedDB') await withoutOpfs(page);
      await openSite(page, site);
      const first = await loadAndRun(page, args);
      const weights = hex(files[file]!);
      expect((await stored(page)).blobs[weights]?.in).toBe(where.toLowerCase());
      // A weight in the second chunk: the graph still parses and would compute, with one wrong weight.
      await damage(page, weights, 4 * 2 ** 20 + 1001);
      const damaged = await loadAndRun(page, args);
      expect(damaged.load).toBe('v1 from cache');
      // Only a model file in OPFS is read into onnxruntime's heap (and checked from there).
      const warmPath = where === 'OPFS' && file === 'model.onnx' ? 'heap' : 'buffer';
      expect(damaged.path).toBe(warmPath);
      const last = files[file]!.length - 1;
      const name = file.replaceAll('.', '\\.');
      expect(damaged.run).toMatch(new RegExp(`^integrity: .* its cached ${name} was damaged on this device \\(its chunk 2 of 2 \\(bytes 4194304–${last}\\) hashes to sha256:[0-9a-f]{64}, recorded sha256:[0-9a-f]{64}\\); the session was disposed before it ran and the file dropped from the cache: load the model again`));
      const after = await stored(page);
      expect(after.blobs[weights]).toBeUndefined();
      expect(after.files[weights]).toBeUndefined();
      expect(await loadAndRun(page, args)).toEqual({ load: 'v1 from network', path: 'buffer', run: first.run });
      expect(await loadAndRun(page, args)).toEqual({ load: 'v1 from cache', path: warmPath, run: first.run });
    });
  }
});
