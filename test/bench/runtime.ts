import { chromium, type Page } from 'playwright-core';
import { writeOnnxModel } from '../../hub/registry/onnx/write.js';
import { chromiumArgs, chromiumPath } from '../e2e/browser.js';
import { HubApi } from '../e2e/runtime/hub-api.js';
import { Site } from '../e2e/runtime/site.js';
import type { BenchHub } from './hub.js';
import { fmt } from './stats.js';
import type { Figure } from './tracking.js';

export interface RuntimeSizes {
  /** Layers of width × width MatMul + Relu over a batch: sized so one run takes ≥ 5 ms on WASM (DESIGN §10). */
  width: number;
  layers: number;
  batch: number;
  runs: number;
  loads: number;
}
export const RUNTIME_FULL: RuntimeSizes = { width: 512, layers: 16, batch: 16, runs: 200, loads: 9 };
export const RUNTIME_SMOKE: RuntimeSizes = { width: 32, layers: 2, batch: 2, runs: 3, loads: 1 };

/** A dense ReLU stack, made by the project's own ONNX writer: deterministic weights, no download. */
export function denseStackOnnx({ width, layers }: RuntimeSizes): Uint8Array {
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5) * (2 / Math.sqrt(width));
  const nodes = [];
  const initializers = [];
  let input = 'x';
  for (let i = 0; i < layers; i++) {
    initializers.push({ name: `W${i}`, dims: [width, width], floats: Float32Array.from({ length: width * width }, rand) });
    nodes.push({ op: 'MatMul', inputs: [input, `W${i}`], outputs: [`h${i}`] });
    input = i === layers - 1 ? 'y' : `r${i}`;
    nodes.push({ op: i === layers - 1 ? 'Identity' : 'Relu', inputs: [`h${i}`], outputs: [input] });
  }
  return writeOnnxModel({
    producer: 'outpost-bench',
    inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', width] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', width] }],
    initializers,
    nodes,
  });
}

interface Timings {
  runtimeRun: number[];
  directRun: number[];
  bareWorkerRun: number[];
  runtimeLoad: number[];
  directCreate: number[];
  backend: string;
  maxDiff: number;
}

/** In the page: the runtime and onnxruntime-web called directly, interleaved in blocks so drift hits both alike. */
async function measure(page: Page, args: { hub: string; key: string; ref: string; model: number[]; s: RuntimeSizes }): Promise<Timings> {
  return page.evaluate(async ({ hub, key, ref, model, s }) => {
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const input = () => Float32Array.from({ length: s.batch * s.width }, (_, i) => Math.sin(i));
    const op = await (window as any).Outpost.connect({ hub, key });
    // Warm: the worker and onnxruntime start, the model lands in IndexedDB.
    const runtimeModel = await op.load(ref, { backend: 'wasm' });
    const ort = await import(/* @vite-ignore */ `${hub}/runtime/ort/ort.bundle.min.mjs`);
    ort.env.wasm.numThreads = 1;
    const bytes = new Uint8Array(model);
    const options = { graphOptimizationLevel: 'all', executionProviders: ['wasm'] };
    const direct = await ort.InferenceSession.create(bytes, options);
    const runDirect = async () => (await direct.run({ x: new ort.Tensor('float32', input(), [s.batch, s.width]) })).y.data as Float32Array;
    const runRuntime = async () => (await runtimeModel.run({ x: { data: input(), dims: [s.batch, s.width] } })).y.data as Float32Array;
    // A bare module worker running onnxruntime-web with no runtime code around it: what any worker hop costs here.
    const bareSource = `const ort = await import(${JSON.stringify(`${hub}/runtime/ort/ort.bundle.min.mjs`)});
      ort.env.wasm.numThreads = 1;
      let session;
      onmessage = async (e) => {
        if (e.data.model) {
          session = await ort.InferenceSession.create(new Uint8Array(e.data.model), { graphOptimizationLevel: 'all', executionProviders: ['wasm'] });
          return postMessage('ready');
        }
        const y = (await session.run({ x: new ort.Tensor('float32', e.data.x, [${s.batch}, ${s.width}]) })).y.data;
        postMessage(y, [y.buffer]);
      };
      postMessage('loaded');`;
    const bare = new Worker(URL.createObjectURL(new Blob([bareSource], { type: 'text/javascript' })), { type: 'module' });
    const bareReply = () => new Promise<unknown>((resolve) => (bare.onmessage = (e) => resolve(e.data)));
    await bareReply();
    bare.postMessage({ model: bytes.slice().buffer });
    await bareReply();
    const runBare = async () => {
      const x = input();
      bare.postMessage({ x }, [x.buffer]);
      return bareReply();
    };
    const a = await runRuntime();
    const b = await runDirect();
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    for (let i = 0; i < 3; i++) await runRuntime(), await runDirect(), await runBare();

    // Alternate one by one, starting with either side by turns, so drift and background work hit both alike.
    const runtimeRun: number[] = [];
    const directRun: number[] = [];
    const timed = async (fn: () => Promise<unknown>, into: number[]) => {
      const t = performance.now();
      await fn();
      into.push(performance.now() - t);
    };
    const bareWorkerRun: number[] = [];
    for (let i = 0; i < s.runs; i++) {
      if (i % 2) await timed(runRuntime, runtimeRun), await timed(runDirect, directRun), await timed(runBare, bareWorkerRun);
      else await timed(runBare, bareWorkerRun), await timed(runDirect, directRun), await timed(runRuntime, runtimeRun);
    }
    bare.terminate();
    const runtimeLoad: number[] = [];
    const directCreate: number[] = [];
    for (let i = 0; i < s.loads; i++) {
      let t = performance.now();
      const m = await op.load(ref, { backend: 'wasm' });
      runtimeLoad.push(performance.now() - t);
      if (m.source !== 'cache') throw new Error(`warm load came from ${m.source}`);
      await m.dispose();
      t = performance.now();
      const session = await ort.InferenceSession.create(bytes, options);
      directCreate.push(performance.now() - t);
      await session.release();
    }
    return { runtimeRun, directRun, bareWorkerRun, runtimeLoad, directCreate, backend: runtimeModel.backend, maxDiff, medians: [median(runtimeRun), median(directRun)] };
  }, args);
}

const ms = (v: number) => `${fmt(v, 2)} ms`;
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/**
 * DESIGN §9/§10, in Chromium against a real hub: `model.run` vs onnxruntime-web on the page's main thread (same
 * backend, options and model; ratio of medians ≤ 1.05), and a warm `op.load` from IndexedDB including the sha256 check
 * vs `InferenceSession.create` from a buffer already in memory (≤ 1.3).
 */
export async function runtimeBench(hub: BenchHub, s: RuntimeSizes): Promise<Figure[]> {
  const api = new HubApi(hub.url, hub.key);
  const model = denseStackOnnx(s);
  await api.publish('bench-dense', 'onnx', { 'model.onnx': model }, 'production');
  const key = await api.publishableKey();
  const site = new Site(hub.url);
  await site.start();
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() });
  try {
    const page = await browser.newPage();
    // tsx keeps function names with a __name helper that page.evaluate's copy of the function lacks.
    await page.addInitScript('window.__name = (f) => f');
    await page.goto(site.url);
    await page.waitForFunction(() => 'Outpost' in window);
    const t = await measure(page, { hub: hub.url, key, ref: 'bench-dense@production', model: [...model], s });
    if (t.maxDiff > 1e-4) throw new Error(`runtime and direct outputs differ by ${t.maxDiff}`);
    const [run, direct, bareRun, load, create] = [med(t.runtimeRun), med(t.directRun), med(t.bareWorkerRun), med(t.runtimeLoad), med(t.directCreate)];
    const mb = fmt(model.byteLength / 2 ** 20, 1);
    return [
      {
        name: `runtime model.run (worker, ${t.backend}) vs onnxruntime-web on the main thread, ${s.layers}×${s.width}² dense, batch ${s.batch}, median of ${s.runs}`,
        value: ms(run),
        baseline: ms(direct),
        ratio: fmt(run / direct, 3),
        target: '≤ 1.05',
        ok: run / direct <= 1.05,
      },
      {
        name: `(reference) a bare module worker running the same session, no runtime code, vs the main thread: the cost of any worker hop here`,
        value: ms(bareRun),
        baseline: ms(direct),
        ratio: fmt(bareRun / direct, 3),
        target: '(for reference)',
        ok: true,
      },
      {
        name: `runtime warm load (IndexedDB + sha256 + worker session) vs InferenceSession.create from memory, ${mb} MB model, median of ${s.loads}`,
        value: ms(load),
        baseline: ms(create),
        ratio: fmt(load / create, 3),
        target: '≤ 1.3',
        ok: load / create <= 1.3,
      },
    ];
  } finally {
    await browser.close();
    await site.stop();
  }
}
