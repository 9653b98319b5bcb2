import { chromium, type Page } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { layersArtifacts } from '../../runtime/inference/engines/tfjs.js';
import { accuracy, finetuneBaseModelFiles, finetuneDataset } from '../fixtures/finetune.js';
import { finetuneResponsiveness } from '../fixtures/finetune-responsiveness.js';
import { chromiumArgs, chromiumPath } from './browser.js';
import { HubApi } from './runtime/hub-api.js';
import { expect, linearOnnx, openSite, test } from './runtime/fixtures.js';

/**
 * In-browser fine-tuning against a real hub (issue 6). The base model is right on the original labels and wrong on
 * the shifted ones (test/fixtures/finetune.ts); fine-tuning its head on 320 shifted samples must fix it.
 */
const train = finetuneDataset(320, { seed: 1, shifted: true });
const heldOut = finetuneDataset(400, { seed: 2, shifted: true });
const data = {
  x: Array.from(train.x.data),
  y: Array.from(train.y.data),
  heldX: Array.from(heldOut.x.data),
  heldLabels: Array.from(heldOut.labels),
};
type Data = typeof data;
const OPTIONS = { epochs: 8, batchSize: 16, learningRate: 0.05, optimizer: 'adam', validationSplit: 0.2, trainable: 'head' };
const hubRunId = (id: string) => id.replace(/-/g, '');

let project: HubApi;
test.beforeAll(async ({ }, info) => {
  const admin = new HubApi(`http://127.0.0.1:${process.env.OUTPOST_E2E_PORT}`, process.env.OUTPOST_E2E_KEY!);
  const created = await admin.call('POST', '/v1/projects', { name: `finetune-${Date.now().toString(36)}-${info.workerIndex}` });
  project = new HubApi(admin.url, created.adminKey.secret);
});

/** Seeds the base model as `<name>@production`, exposed to devices; returns a publishable key. */
async function seed(name: string): Promise<string> {
  await project.publish(name, 'tfjs-layers', finetuneBaseModelFiles(), 'production');
  return project.publishableKey();
}

/** Puts the page's helpers on window: a connection, the data as typed arrays, held-out accuracy of a model. */
async function preparePage(page: Page, args: { hub: string; key: string; data: Data }) {
  await page.evaluate(async ({ hub, key, data }) => {
    const w = window as any;
    w.op = await w.Outpost.connect({ hub, key });
    w.trainSet = () => ({ x: { data: new Float32Array(data.x), dims: [data.x.length / 8, 8] }, y: { data: new Float32Array(data.y), dims: [data.y.length / 4, 4] } });
    w.heldOutAccuracy = async (model: any) => {
      const input = model.signature.inputs[0].name;
      const out = await model.run({ [input]: { data: new Float32Array(data.heldX), dims: [data.heldLabels.length, 8] } });
      const probs = Object.values(out)[0] as { data: Float32Array };
      let right = 0;
      data.heldLabels.forEach((label: number, s: number) => {
        const row = Array.from(probs.data.subarray(s * 4, s * 4 + 4));
        if (row.indexOf(Math.max(...row)) === label) right++;
      });
      return { accuracy: right / data.heldLabels.length, outputs: Array.from(probs.data) };
    };
  }, args);
}

/** Runs of this project's `on-device` experiment that match the filter. */
async function searchRuns(filter: string): Promise<any[]> {
  const { experiments } = await project.call('GET', '/v1/experiments');
  const onDevice = experiments.find((e: { name: string }) => e.name === 'on-device');
  return (await project.call('POST', '/v1/runs/search', { experimentIds: [onDevice.id], filter, limit: 100 })).runs;
}

async function predictInNode(files: Record<string, Uint8Array>): Promise<Float32Array> {
  const buffers = Object.fromEntries(Object.entries(files).map(([p, b]) => [p, b.slice().buffer as ArrayBuffer]));
  const model = await tf.loadLayersModel(tf.io.fromMemory(layersArtifacts(buffers)));
  const out = model.predict(tf.tensor(heldOut.x.data, heldOut.x.dims)) as tf.Tensor;
  const values = out.dataSync() as Float32Array;
  model.dispose();
  return values;
}

test.describe('fine-tuning in the browser', () => {
  test('fine-tunes the head in a worker, logs the run, and publishes a version with lineage that predicts as the browser did', async ({ page, site, hubUrl, modelName }) => {
    const key = await seed(modelName);
    await openSite(page, site);
    await preparePage(page, { hub: hubUrl, key, data });
    const result = await page.evaluate(async ({ ref, options }) => {
      const w = window as any;
      const before = await w.heldOutAccuracy(await w.op.load(ref));
      const epochs: [number, Record<string, number>][] = [];
      let batches = 0;
      const set = w.trainSet();
      const ft = await w.op.finetune(ref, { ...set, ...options, onEpoch: (e: number, logs: any) => epochs.push([e, logs]), onBatch: () => batches++ });
      const after = await w.heldOutAccuracy(ft.model);
      const refused = await ft.publish().then(() => 'published', (e: any) => `${e.code}: ${e.message}`);
      const kept = { x: { length: set.x.data.length, sum: set.x.data.reduce((a: number, b: number) => a + b, 0) }, y: { length: set.y.data.length, sum: set.y.data.reduce((a: number, b: number) => a + b, 0) } };
      return { before: before.accuracy, after: after.accuracy, outputs: after.outputs, epochs, batches, history: ft.history, backend: ft.backend, modelBackend: ft.model.backend, runId: ft.run.id, base: ft.base, refused, kept };
    }, { ref: `${modelName}@production`, options: OPTIONS });

    console.log(`[finetune] on ${result.backend}: held-out accuracy ${result.before.toFixed(3)} → ${result.after.toFixed(3)}; epoch loss ${(result.history.loss as number[]).map((l) => l.toFixed(3)).join(' → ')}`);
    // Loss falls and held-out accuracy rises by at least 0.8.
    expect(result.before).toBeLessThan(0.05);
    expect(result.after - result.before).toBeGreaterThanOrEqual(0.8);
    const loss = result.history.loss as number[];
    expect(loss).toHaveLength(8);
    expect(loss[7]!).toBeLessThan(loss[0]! / 4);
    expect(result.epochs.map(([e]) => e)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Object.keys(result.epochs[0]![1]).sort()).toEqual(['acc', 'loss', 'val_acc', 'val_loss']);
    expect(result.batches).toBe(8 * 16);
    expect(['webgpu', 'webgl', 'wasm', 'cpu']).toContain(result.backend);
    expect(result.base).toEqual({ ref: `${modelName}@production`, model: modelName, version: 1 });
    // x and y were copied to the worker: the caller's arrays keep their length and values.
    const sum = (a: number[]) => Array.from(new Float32Array(a)).reduce((s, v) => s + v, 0);
    expect(result.kept).toEqual({ x: { length: data.x.length, sum: sum(data.x) }, y: { length: data.y.length, sum: sum(data.y) } });
    // Publishing from a device needs the project's permission, and the error says how to give it.
    expect(result.refused).toMatch(/^unauthorized: could not upload .* does not allow device publishing, so publishable keys cannot upload blobs: an admin key turns it on with PATCH \/v1\/project/);

    // The run and its per-epoch metrics are on the hub.
    const run = (await project.call('GET', `/v1/runs/${hubRunId(result.runId)}`)).run;
    expect(run).toMatchObject({ status: 'FINISHED', source: 'browser', name: `finetune ${modelName}/1` });
    expect(run.params).toMatchObject({
      epochs: '8', batchSize: '16', learningRate: '0.05', optimizer: 'adam', validationSplit: '0.2', trainable: '"head"', loss: 'categoricalCrossentropy',
      'base.ref': `${modelName}@production`, 'base.model': modelName, 'base.version': '1', backend: result.backend, trainableLayers: 'head',
      'samples.train': '256', 'samples.validation': '64', 'device.id': expect.any(String), 'device.userAgent': expect.stringContaining('Chrome'),
    });
    expect(run.endTime).toBeGreaterThan(run.startTime);
    for (const key of ['loss', 'acc', 'val_loss', 'val_acc']) {
      const series = await project.call('GET', `/v1/runs/${run.id}/metrics/${key}`);
      expect(series.steps).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(series.values).toEqual(result.history[key]);
    }

    // Allowed now: the version lands in <base>-device-candidates with base version and run as lineage.
    await project.call('PATCH', '/v1/project', { devicePublishing: true });
    const published = await page.evaluate(async ({ ref, options }) => {
      const w = window as any;
      const set = w.trainSet();
      const ft = await w.op.finetune(ref, { ...set, ...options, transfer: true });
      const out = await w.heldOutAccuracy(ft.model);
      const first = await ft.publish();
      const again = await ft.publish();
      const alias = await ft.publish({ alias: 'production' }).then(() => 'moved', (e: any) => e.message);
      const given = { x: set.x.data.buffer.byteLength, y: set.y.data.buffer.byteLength };
      return { first, again, alias, outputs: out.outputs, runId: ft.run.id, given };
    }, { ref: `${modelName}@production`, options: OPTIONS });
    // With { transfer: true } x's and y's buffers were handed to the worker: detached here.
    expect(published.given).toEqual({ x: 0, y: 0 });
    const candidates = `${modelName}-device-candidates`;
    expect(published.first).toEqual({ model: candidates, version: 1, ref: `${candidates}/1`, created: true });
    expect(published.again).toEqual({ ...published.first, created: false });
    expect(published.alias).toContain('publishable keys cannot move aliases (asked for "production")');
    const version = (await project.call('GET', `/v1/models/${candidates}/versions/1`)).version;
    expect(version).toMatchObject({ baseModel: modelName, baseVersion: 1, runId: hubRunId(published.runId), aliases: [], metrics: { acc: expect.any(Number), val_acc: expect.any(Number) } });
    const manifest = await project.call('GET', `/v1/models/${candidates}/versions/1/manifest`);
    expect(manifest.lineage).toEqual({ runId: hubRunId(published.runId), baseModel: modelName, baseVersion: 1 });
    expect((await project.call('GET', `/v1/models/${modelName}`)).model.aliases).toEqual({ production: 1 });

    // Its files, downloaded and loaded in Node with pure tfjs, predict what the browser predicted.
    const files: Record<string, Uint8Array> = {};
    for (const f of manifest.files as { path: string; digest: string }[]) {
      const res = await fetch(`${project.url}/v1/blobs/${f.digest}`, { headers: { Authorization: `Bearer ${project.key}` } });
      files[f.path] = new Uint8Array(await res.arrayBuffer());
      expect(`sha256:${createHash('sha256').update(files[f.path]!).digest('hex')}`).toBe(f.digest);
    }
    const inNode = await predictInNode(files);
    const diff = Math.max(...published.outputs.map((v: number, i: number) => Math.abs(v - inNode[i]!)));
    expect(diff).toBeLessThanOrEqual(1e-5);
    expect(accuracy(inNode, heldOut.labels)).toBeGreaterThan(0.9);
  });

  test('refuses an ONNX model before starting a run, and records a fine-tune that fails as a FAILED run with its error', async ({ page, site, hubUrl, modelName }) => {
    await project.publish(modelName, 'onnx', { 'model.onnx': linearOnnx() }, 'production');
    const key = await seed(`${modelName}-tfjs`);
    await openSite(page, site);
    await preparePage(page, { hub: hubUrl, key, data });
    const errors = await page.evaluate(async ({ onnx, tfjs }) => {
      const w = window as any;
      const outcome = (p: Promise<unknown>): Promise<Record<string, unknown>> => p.then(() => ({ trained: true }), (e: any) => ({ name: e.name, code: e.code, message: e.message }));
      const refused = { ...(await outcome(w.op.finetune(onnx, w.trainSet()))), pending: w.op.status().pending };
      const failed = await outcome(w.op.finetune(tfjs, { ...w.trainSet(), trainable: ['dense_9'] }));
      await w.op.flush();
      return { refused, failed };
    }, { onnx: `${modelName}@production`, tfjs: `${modelName}-tfjs@production` });
    expect(errors.refused).toEqual({ name: 'OutpostRuntimeError', code: 'unsupported', message: `${modelName}@production is an ONNX model: ONNX models cannot be fine-tuned in the browser; fine-tune a tfjs-layers model`, pending: 0 });
    // The worker's error crosses with its code and message.
    const message = 'trainable names layers the model does not have or that have no weights: dense_9 (layers with weights: features, head)';
    expect(errors.failed).toEqual({ name: 'OutpostRuntimeError', code: 'bad_feeds', message });
    const runs = await searchRuns(`params.\`base.model\` = '${modelName}-tfjs'`);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'FAILED', tags: { 'outpost.error': message } });
  });

  test('fine-tunes offline; after a reload and going online the run arrives once, complete', async ({ page, context, site, hubUrl, modelName }) => {
    const key = await seed(modelName);
    await openSite(page, site);
    await preparePage(page, { hub: hubUrl, key, data });
    await page.evaluate(async (ref) => void (await (window as any).op.load(ref)), `${modelName}@production`); // cached online once

    await context.setOffline(true);
    const offline = await page.evaluate(async ({ ref, options }) => {
      const w = window as any;
      const ft = await w.op.finetune(ref, { ...w.trainSet(), ...options });
      const accuracy = (await w.heldOutAccuracy(ft.model)).accuracy;
      return { runId: ft.run.id, accuracy, online: navigator.onLine };
    }, { ref: `${modelName}@production`, options: OPTIONS });
    expect(offline.online).toBe(false);
    expect(offline.accuracy).toBeGreaterThan(0.9);
    // The run's records reach the outbox: create, metrics, finish at least.
    await expect.poll(() => page.evaluate(() => (window as any).op.status().pending)).toBeGreaterThanOrEqual(3);
    const pendingOffline: number = await page.evaluate(() => (window as any).op.status().pending);

    // The page reloads with the hub still unreachable (its API refused; the page and runtime files load).
    await page.route(`${hubUrl}/v1/**`, (route) => route.abort('internetdisconnected'));
    await context.setOffline(false);
    await page.reload();
    await page.waitForFunction(() => 'Outpost' in window);
    await preparePage(page, { hub: hubUrl, key, data });
    // Nothing was lost on the reload (telemetry of the held-out runs may have joined the queue on pagehide).
    expect(await page.evaluate(() => (window as any).op.status().pending)).toBeGreaterThanOrEqual(pendingOffline);
    await expect(project.call('GET', `/v1/runs/${hubRunId(offline.runId)}`)).rejects.toThrow('404');

    await page.unroute(`${hubUrl}/v1/**`);
    const after = await page.evaluate(async () => {
      const w = window as any;
      await w.op.flush();
      await w.op.flush();
      return w.op.status();
    });
    expect(after.pending).toBe(0);
    const runs = await searchRuns(`tags.\`outpost.kind\` = 'finetune' and params.\`base.model\` = '${modelName}'`);
    expect(runs.map((r: { id: string }) => r.id)).toEqual([hubRunId(offline.runId)]);
    const run = runs[0];
    expect(run).toMatchObject({ status: 'FINISHED', params: { epochs: '8', 'base.version': '1' } });
    expect(run.metrics.loss).toMatchObject({ count: 8, step: 7 });
    expect(run.metrics.val_acc).toMatchObject({ count: 8, step: 7 });
  });

  test('cancelled mid-training, the run ends KILLED and nothing is saved or published', async ({ page, site, hubUrl, modelName }) => {
    const key = await seed(modelName);
    await openSite(page, site);
    await preparePage(page, { hub: hubUrl, key, data });
    const result = await page.evaluate(async ({ ref, options }) => {
      const w = window as any;
      const controller = new AbortController();
      const epochs: number[] = [];
      const outcome = await w.op
        .finetune(ref, {
          ...w.trainSet(),
          ...options,
          epochs: 50,
          signal: controller.signal,
          onEpoch: (e: number) => epochs.push(e),
          onBatch: (b: number, _logs: unknown, e: number) => {
            if (e === 2 && b === 5) controller.abort();
          },
        })
        .then(() => 'finished', (e: any) => `${e.code}: ${e.message}`);
      await w.op.flush();
      return { outcome, epochs, cached: await w.op.cache.list() };
    }, { ref: `${modelName}@production`, options: OPTIONS });
    expect(result.outcome).toBe('aborted: fine-tuning was aborted');
    expect(result.epochs).toEqual([0, 1]);
    expect(result.cached.filter((m: { local: boolean }) => m.local)).toEqual([]);
    const runs = await searchRuns(`params.\`base.model\` = '${modelName}'`);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'KILLED', params: { epochs: '50' } });
    expect(runs[0].metrics.loss.count).toBe(2);
    await expect(project.call('GET', `/v1/models/${modelName}-device-candidates`)).rejects.toThrow('404');
  });

  test('keeps a saved fine-tune in IndexedDB across reloads, listed with the cached models', async ({ page, site, hubUrl, modelName }) => {
    const key = await seed(modelName);
    await openSite(page, site);
    await preparePage(page, { hub: hubUrl, key, data });
    const saved = await page.evaluate(async ({ ref, options }) => {
      const w = window as any;
      const ft = await w.op.finetune(ref, { ...w.trainSet(), ...options, epochs: 2 });
      return ft.save('my-digits');
    }, { ref: `${modelName}@production`, options: OPTIONS });
    expect(saved).toBe('local:my-digits');
    await page.reload();
    await page.waitForFunction(() => 'Outpost' in window);
    await preparePage(page, { hub: hubUrl, key, data });
    const listed = await page.evaluate(async () => (await (window as any).op.cache.list()).filter((m: { local: boolean }) => m.local));
    expect(listed).toEqual([expect.objectContaining({ ref: 'local:my-digits', model: `${modelName}-finetune`, version: 1, format: 'tfjs-layers', local: true })]);
  });

  test('keeps the main thread responsive while training, unlike the same training on the main thread', async ({ page, site, hubUrl, modelName }) => {
    test.setTimeout(120_000);
    const key = await seed(modelName);
    await openSite(page, site);
    await preparePage(page, { hub: hubUrl, key, data });
    const base = Object.fromEntries(Object.entries(finetuneBaseModelFiles()).map(([p, b]) => [p, Array.from(b)]));
    const figures = await page.evaluate(finetuneResponsiveness, { hub: hubUrl, ref: `${modelName}@production`, options: { ...OPTIONS, epochs: 12 }, base });
    const line = (f: typeof figures.mainThread) => `${f.ms} ms on ${f.backend}: heartbeat lag p99 ${f.p99Lag} ms, max ${f.maxLag} ms; long tasks ${f.longTasks.length} (longest ${Math.max(0, ...f.longTasks)} ms)`;
    console.log(`[finetune] in the worker: ${line(figures.worker)}; first batch to last epoch ${figures.worker.trainingMs} ms\n[finetune] on the main thread: ${line(figures.mainThread)}`);
    // The comparison only: training in the worker leaves the main thread fewer and shorter long tasks than the same training
    // on it. How late the heartbeat runs, in milliseconds, is the bench's figure, not a pass/fail here.
    expect(figures.mainThread.longTasks.length).toBeGreaterThan(figures.worker.longTasks.length);
    expect(Math.max(0, ...figures.mainThread.longTasks)).toBeGreaterThan(Math.max(0, ...figures.worker.longTasks));
  });

  test('trains on WebGPU (SwiftShader) when asked, and reports it', async ({ site, hubUrl, modelName }) => {
    test.setTimeout(240_000); // SwiftShader runs WebGPU on the CPU: 15–40 s alone, minutes when the machine is shared
    const key = await seed(modelName);
    const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs({ webgpu: true }) });
    try {
      const page = await browser.newPage();
      await openSite(page, site);
      await preparePage(page, { hub: hubUrl, key, data });
      const result = await page.evaluate(async ({ ref, options }) => {
        const w = window as any;
        const ft = await w.op.finetune(ref, { ...w.trainSet(), ...options, backend: 'webgpu' });
        return { backend: ft.backend, modelBackend: ft.model.backend, accuracy: (await w.heldOutAccuracy(ft.model)).accuracy, loss: ft.history.loss };
      }, { ref: `${modelName}@production`, options: OPTIONS });
      expect(result).toMatchObject({ backend: 'webgpu', modelBackend: 'webgpu' });
      expect(result.accuracy).toBeGreaterThan(0.9);
      expect(result.loss.at(-1)).toBeLessThan(result.loss[0] / 4);
    } finally {
      await browser.close();
    }
  });
});
