import { chromium, type Page } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import { tfjsModelFiles } from '../../hub/demo/tfjs-model.js';
import { chromiumArgs, chromiumPath } from './browser.js';
import { expect, linearOnnx, multiInputOnnx, openSite, SILERO_VAD, test } from './runtime/fixtures.js';

/**
 * In the page: the model through the runtime, and the same bytes through onnxruntime-web called directly (the hub's
 * own copy, same backend and session options). Returns the largest absolute difference over all outputs.
 */
async function compareWithOrt(page: import('@playwright/test').Page, args: { hub: string; key: string; ref: string; model: number[]; backend: 'wasm' | 'webgpu'; feeds: string }) {
  return page.evaluate(async ({ hub, key, ref, model, backend, feeds }) => {
    const makeFeeds = new Function(`return (${feeds})`)() as () => Record<string, { data: any; dims: number[] }>;
    const op = await (window as any).Outpost.connect({ hub, key });
    const m = await op.load(ref, { backend });
    const ours = await m.run(makeFeeds());
    const ort = await import(/* @vite-ignore */ `${hub}/runtime/ort/ort.bundle.min.mjs`);
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(new Uint8Array(model), { graphOptimizationLevel: 'all', executionProviders: [backend] });
    const direct: Record<string, any> = {};
    for (const [name, f] of Object.entries(makeFeeds())) direct[name] = new ort.Tensor(f.data instanceof BigInt64Array ? 'int64' : 'float32', f.data, f.dims);
    const theirs = await session.run(direct);
    let maxDiff = 0;
    for (const name of session.outputNames) {
      const a = ours[name].data as Float32Array;
      const b = theirs[name].data as Float32Array;
      if (a.length !== b.length) return { error: `${name}: ${a.length} vs ${b.length} values` };
      for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    }
    return { maxDiff, backend: m.backend, outputs: Object.keys(ours).sort(), dims: Object.fromEntries(Object.entries(ours).map(([k, v]: any) => [k, v.dims])) };
  }, args);
}

const vadFeeds = `() => ({
  input: { data: Float32Array.from({ length: 512 }, (_, i) => Math.sin(i / 7) * 0.4), dims: [1, 512] },
  sr: { data: new BigInt64Array([16000n]), dims: [] },
  h: { data: new Float32Array(128).fill(0.05), dims: [2, 1, 64] },
  c: { data: new Float32Array(128).fill(-0.05), dims: [2, 1, 64] },
})`;
const multiFeeds = `() => ({
  features: { data: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]), dims: [2, 4] },
  ids: { data: new BigInt64Array([1n, 2n, 3n, 4n, 5n, 6n]), dims: [2, 3] },
})`;

/** The onnxruntime wasm files the page and its workers fetch from the hub, by file name, as they are requested. */
function wasmRequests(page: Page): string[] {
  const names: string[] = [];
  page.context().on('request', (r) => {
    const name = new URL(r.url()).pathname.split('/').pop()!;
    if (name.startsWith('ort-wasm')) names.push(name);
  });
  return names;
}

test.describe('runtime inference', () => {
  // Each test compiles onnxruntime's 28 MB wasm (in the worker, and once more for the direct baseline).
  test.describe.configure({ timeout: 180_000 });
  test('runs a PyTorch-exported ONNX model (Silero VAD) and a generated int64 model on WASM exactly as onnxruntime-web does', async ({ page, api, site, hubUrl, modelName }) => {
    await api.publish(`${modelName}-vad`, 'onnx', { 'silero_vad.onnx': SILERO_VAD }, 'production');
    await api.publish(`${modelName}-multi`, 'onnx', { 'model.onnx': multiInputOnnx() }, 'production');
    const key = await api.publishableKey();
    await openSite(page, site);
    const vad = await compareWithOrt(page, { hub: hubUrl, key, ref: `${modelName}-vad@production`, model: [...SILERO_VAD], backend: 'wasm', feeds: vadFeeds });
    expect(vad).toMatchObject({ backend: 'wasm', outputs: ['cn', 'hn', 'output'], dims: { output: [1, 1], hn: [2, 1, 64] } });
    // Same library, same bytes, same options: identical results are the tolerance (0).
    expect(vad.maxDiff).toBe(0);
    const multi = await compareWithOrt(page, { hub: hubUrl, key, ref: `${modelName}-multi@production`, model: [...multiInputOnnx()], backend: 'wasm', feeds: multiFeeds });
    expect(multi).toMatchObject({ backend: 'wasm', maxDiff: 0, dims: { y: [2, 2], total: [1, 1] } });
  });

  test('runs on WebGPU (SwiftShader) with the outputs of onnxruntime-web on WebGPU', async ({ api, site, hubUrl, modelName }) => {
    await api.publish(modelName, 'onnx', { 'silero_vad.onnx': SILERO_VAD }, 'production');
    const key = await api.publishableKey();
    const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs({ webgpu: true }) });
    try {
      const page = await browser.newPage();
      const fetched = wasmRequests(page);
      await openSite(page, site);
      // auto with an adapter: the runtime's worker fetches onnxruntime's WebGPU (JSEP) build, not the plain one.
      const auto = await page.evaluate(async ({ hub, key, ref }) => {
        const op = await (window as any).Outpost.connect({ hub, key });
        return (await op.load(ref)).backend;
      }, { hub: hubUrl, key, ref: `${modelName}@production` });
      expect(auto).toBe('webgpu');
      expect(fetched).toEqual([expect.stringMatching(/^ort-wasm-simd-threaded\.jsep\.[0-9a-f]{12}\.wasm$/)]);
      const result = await compareWithOrt(page, { hub: hubUrl, key, ref: `${modelName}@production`, model: [...SILERO_VAD], backend: 'webgpu', feeds: vadFeeds });
      expect(result.backend).toBe('webgpu');
      // GPU kernels may reorder float sums between sessions: within 1e-5 of the direct WebGPU run.
      expect(result.maxDiff).toBeLessThanOrEqual(1e-5);
    } finally {
      await browser.close();
    }
  });

  test('refuses a named backend the device lacks instead of falling back, and auto falls back to wasm', async ({ page, api, site, hubUrl, modelName }) => {
    await api.publish(modelName, 'onnx', { 'model.onnx': linearOnnx() }, 'production');
    const key = await api.publishableKey();
    const fetched = wasmRequests(page);
    await openSite(page, site);
    const result = await page.evaluate(async ({ hub, key, ref }) => {
      const op = await (window as any).Outpost.connect({ hub, key });
      const auto = (await op.load(ref)).backend;
      const named = await op.load(ref, { backend: 'webgpu' }).then(() => 'loaded', (e: Error & { code?: string }) => `${e.code}: ${e.message}`);
      return { auto, named };
    }, { hub: hubUrl, key, ref: `${modelName}@production` });
    expect(result.auto).toBe('wasm');
    expect(result.named).toMatch(/^backend_unavailable: backend "webgpu" is not available here/);
    // No adapter: only onnxruntime's plain wasm build (14 MB) was fetched, never the WebGPU one (28 MB).
    expect(fetched).toEqual([expect.stringMatching(/^ort-wasm-simd-threaded\.[0-9a-f]{12}\.wasm$/)]);
  });

  test('runs a tfjs-layers model in the worker with the predictions of tfjs itself, leaving the caller’s inputs usable unless told to transfer them', async ({ page, api, site, hubUrl, modelName }) => {
    const files = tfjsModelFiles(7);
    await api.publish(modelName, 'tfjs-layers', files, 'production');
    const key = await api.publishableKey();
    const x = [0.1, -0.4, 0.9, 0.3, 1.2, 0.5, -0.7, 0.2];
    await openSite(page, site);
    const out = await page.evaluate(async ({ hub, key, ref, x }) => {
      const op = await (window as any).Outpost.connect({ hub, key });
      const m = await op.load(ref);
      const input = m.signature.inputs[0].name;
      const kept = new Float32Array(x);
      const y = await m.run({ [input]: { data: kept, dims: [2, 4] } });
      const keptAfter = { length: kept.length, byteLength: kept.buffer.byteLength, values: Array.from(kept) };
      const given = new Float32Array(x);
      const again = await m.run({ [input]: { data: given, dims: [2, 4] } }, { transfer: true });
      const [name, t] = Object.entries(y)[0] as [string, any];
      return { backend: m.backend, name, dims: t.dims, data: Array.from(t.data as Float32Array), keptAfter, given: given.buffer.byteLength, again: Array.from(Object.values(again as Record<string, any>)[0].data as Float32Array) };
    }, { hub: hubUrl, key, ref: `${modelName}@production`, x });
    // Copied by default: the caller's array keeps its length and values; transferred on request: its buffer is detached.
    expect(out.keptAfter).toEqual({ length: 8, byteLength: 32, values: Array.from(new Float32Array(x)) });
    expect(out.given).toBe(0);
    expect(out.again).toEqual(out.data);
    expect(['webgl', 'wasm', 'cpu']).toContain(out.backend);
    expect(out.dims).toEqual([2, 3]);
    const json = JSON.parse(new TextDecoder().decode(files['model.json']));
    const weights = Object.entries(files).filter(([p]) => p !== 'model.json');
    const weightData = Buffer.concat(json.weightsManifest.flatMap((g: any) => g.paths).map((p: string) => Buffer.from(weights.find(([q]) => q === p)![1])));
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g: any) => g.weights), weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength) }));
    const expected = Array.from((model.predict(tf.tensor(x, [2, 4])) as tf.Tensor).dataSync());
    expect(out.data).toHaveLength(6);
    expect(expected).toHaveLength(6);
    out.data.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(1e-5));
  });

  test('checks feeds against the signature and passes worker errors through with their message', async ({ page, api, site, hubUrl, modelName }) => {
    await api.publish(modelName, 'onnx', { 'model.onnx': linearOnnx() }, 'production');
    // A version whose declared signature is looser than its graph: the graph itself must refuse the input.
    const signature = { inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', -1] }], outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 2] }] };
    await api.publish(`${modelName}-loose`, 'onnx', { 'model.onnx': linearOnnx() }, 'production', signature);
    const key = await api.publishableKey();
    await openSite(page, site);
    const errors = await page.evaluate(async ({ hub, key, ref, looseRef }) => {
      const op = await (window as any).Outpost.connect({ hub, key });
      const m = await op.load(ref);
      const fail = (feeds: unknown) => m.run(feeds).then(() => 'ran', (e: Error) => e.message);
      const ok = await m.run({ x: { data: new Float32Array(8), dims: [2, 4] } });
      return {
        ok: ok.y.dims,
        missing: await fail({}),
        unknown: await fail({ x: { data: new Float32Array(4), dims: [1, 4] }, z: { data: new Float32Array(1), dims: [1] } }),
        dtype: await fail({ x: { data: new Int32Array(4), dims: [1, 4] } }),
        shape: await fail({ x: { data: new Float32Array(6), dims: [2, 3] } }),
        count: await fail({ x: { data: new Float32Array(5), dims: [1, 4] } }),
        worker: await (await op.load(looseRef)).run({ x: { data: new Float32Array(3), dims: [1, 3] } }).then(() => 'ran', (e: Error) => e.message),
      };
    }, { hub: hubUrl, key, ref: `${modelName}@production`, looseRef: `${modelName}-loose@production` });
    expect(errors.ok).toEqual([2, 4 / 2]);
    expect(errors.missing).toContain('needs input "x" (float32 [batch, 4])');
    expect(errors.unknown).toContain('has no input "z" (inputs: x: float32 [batch, 4])');
    expect(errors.dtype).toBe('input "x" expects float32 (got Int32Array, which is int32)');
    expect(errors.shape).toBe('input "x" expects shape [batch, 4] (got dims [2, 3])');
    expect(errors.count).toBe('input "x" has 5 values but dims [1, 4] need 4');
    // onnxruntime's own complaint, in its own words, unchanged, from inside the worker (none of the runtime's checks say this).
    expect(errors.worker).toContain('failed to call OrtRun()');
    expect(errors.worker).toContain('Got invalid dimensions for input: x for the following indices\n index: 1 Got: 3 Expected: 4');
  });

  test('reports download progress per file and overall', async ({ page, api, site, hubUrl, modelName }) => {
    await api.publish(modelName, 'tfjs-layers', tfjsModelFiles(3), 'production');
    const key = await api.publishableKey();
    await openSite(page, site);
    const events = await page.evaluate(async ({ hub, key, ref }) => {
      const op = await (window as any).Outpost.connect({ hub, key });
      const seen: any[] = [];
      await op.load(ref, { onProgress: (p: any) => seen.push(structuredClone(p)) });
      return seen;
    }, { hub: hubUrl, key, ref: `${modelName}@production` });
    const last = events.at(-1);
    expect(last.files.map((f: any) => f.path).sort()).toEqual(Object.keys(tfjsModelFiles(3)).sort());
    expect(last.loaded).toBe(last.total);
    expect(last.files.every((f: any) => f.loaded === f.total)).toBe(true);
    expect(events[0].loaded).toBeLessThan(last.total);
    for (let i = 1; i < events.length; i++) expect(events[i].loaded).toBeGreaterThanOrEqual(events[i - 1].loaded);
  });
});
