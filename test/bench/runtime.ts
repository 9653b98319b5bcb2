import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Page } from 'playwright-core';
import { writeOnnxModel } from '../../hub/registry/onnx/write.js';
import { chromiumArgs, chromiumPath } from '../e2e/browser.js';
import { HubApi } from '../e2e/runtime/hub-api.js';
import { Site } from '../e2e/runtime/site.js';
import type { BenchHub } from './hub.js';
import { fmt } from './stats.js';
import type { Figure } from './tracking.js';

export interface RuntimeSizes {
  /** Layers of width × width MatMul + Relu: 16 × 512² is 16 MB of weights, a weight-heavy model with a trivial graph. */
  width: number;
  layers: number;
  /** The batch of the headline run figure (DESIGN §10: a generated model taking ≥ 5 ms per run on WASM)… */
  batch: number;
  /** …and of a second, smaller run figure that shows the fixed cost of a call. */
  smallBatch: number;
  runs: number;
  /** Calls on every side before timing starts. */
  warm: number;
  loads: number;
}
export const RUNTIME_FULL: RuntimeSizes = { width: 512, layers: 16, batch: 64, smallBatch: 16, runs: 150, warm: 40, loads: 15 };
export const RUNTIME_SMOKE: RuntimeSizes = { width: 32, layers: 2, batch: 2, smallBatch: 1, runs: 3, warm: 1, loads: 1 };

/** Silero VAD v5 as exported from PyTorch, shipped in @ricky0123/vad-web: a real model's graph for the warm-load figure. */
export const SILERO_VAD_V5 = readFileSync(createRequire(import.meta.url).resolve('@ricky0123/vad-web/dist/silero_vad_v5.onnx'));

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

interface RunTimings {
  runtime: number[];
  direct: number[];
  bare: number[];
  backend: string;
  maxDiff: number;
}

/**
 * In the page: `model.run` of the runtime, onnxruntime-web on the page's main thread, and a bare module worker running
 * the same session with no runtime code (what any worker hop costs here), alternated call by call.
 */
async function measureRuns(page: Page, args: { hub: string; key: string; ref: string; model: string; width: number; batch: number; runs: number; warm: number; bare: boolean }): Promise<RunTimings> {
  return page.evaluate(async ({ hub, key, ref, model, width, batch, runs, warm, bare: withBare }) => {
    const input = () => Float32Array.from({ length: batch * width }, (_, i) => Math.sin(i));
    const op = await (window as any).Outpost.connect({ hub, key });
    const runtimeModel = await op.load(ref, { backend: 'wasm' });
    const ort = await import(/* @vite-ignore */ `${hub}/runtime/ort/ort.bundle.min.mjs`);
    ort.env.wasm.numThreads = 1;
    const options = { graphOptimizationLevel: 'all', executionProviders: ['wasm'] };
    const bytes = Uint8Array.from(atob(model), (c) => c.charCodeAt(0));
    const direct = await ort.InferenceSession.create(bytes, options);
    const runDirect = async () => (await direct.run({ x: new ort.Tensor('float32', input(), [batch, width]) })).y.data as Float32Array;
    const runRuntime = async () => (await runtimeModel.run({ x: { data: input(), dims: [batch, width] } })).y.data as Float32Array;
    const bareSource = `const ort = await import(${JSON.stringify(`${hub}/runtime/ort/ort.bundle.min.mjs`)});
      ort.env.wasm.numThreads = 1;
      let session;
      onmessage = async (e) => {
        if (e.data.model) {
          session = await ort.InferenceSession.create(new Uint8Array(e.data.model), ${JSON.stringify(options)});
          return postMessage('ready');
        }
        const y = (await session.run({ x: new ort.Tensor('float32', e.data.x, [${batch}, ${width}]) })).y.data;
        postMessage(y, [y.buffer]);
      };
      postMessage('loaded');`;
    const bare = withBare ? new Worker(URL.createObjectURL(new Blob([bareSource], { type: 'text/javascript' })), { type: 'module' }) : undefined;
    const bareReply = () => new Promise<unknown>((resolve) => bare && (bare.onmessage = (e) => resolve(e.data)));
    if (bare) {
      await bareReply();
      bare.postMessage({ model: bytes.slice().buffer });
      await bareReply();
    }
    const runBare = async () => {
      if (!bare) return;
      const x = input();
      bare.postMessage({ x }, [x.buffer]);
      return bareReply();
    };
    const a = await runRuntime();
    const b = await runDirect();
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    // Steady state on every side before the clock starts: V8 moves hot wasm functions to its optimising tier only after
    // they have run a while, in each thread by its own clock, and a few warm-up calls left one side or the other
    // up to 25% slower from one browser start to the next.
    for (let i = 0; i < warm; i++) await runRuntime(), await runDirect(), await runBare();

    // Alternate one by one, starting with either side by turns, so drift and background work hit both alike.
    const t: RunTimings = { runtime: [], direct: [], bare: [], backend: runtimeModel.backend, maxDiff };
    const timed = async (fn: () => Promise<unknown>, into: number[]) => {
      if (fn === runBare && !bare) return;
      const started = performance.now();
      await fn();
      into.push(performance.now() - started);
    };
    for (let i = 0; i < runs; i++) {
      if (i % 2) await timed(runRuntime, t.runtime), await timed(runDirect, t.direct), await timed(runBare, t.bare);
      else await timed(runBare, t.bare), await timed(runDirect, t.direct), await timed(runRuntime, t.runtime);
    }
    bare?.terminate();
    await runtimeModel.dispose();
    await direct.release();
    return t;
  }, args);
}

/**
 * In the page: a warm `op.load` (IndexedDB read, sha256 of every file, session built in the worker) against
 * `InferenceSession.create` on the main thread from a buffer already in memory, alternated load by load.
 */
async function measureLoads(page: Page, args: { hub: string; key: string; ref: string; model: string; loads: number }): Promise<{ runtime: number[]; direct: number[] }> {
  return page.evaluate(async ({ hub, key, ref, model, loads }) => {
    const op = await (window as any).Outpost.connect({ hub, key });
    // Warm: the worker and onnxruntime start, the model lands in IndexedDB, and both sides' code reaches steady state.
    const ort = await import(/* @vite-ignore */ `${hub}/runtime/ort/ort.bundle.min.mjs`);
    ort.env.wasm.numThreads = 1;
    const bytes = Uint8Array.from(atob(model), (c) => c.charCodeAt(0));
    const options = { graphOptimizationLevel: 'all', executionProviders: ['wasm'] };
    for (let i = 0; i < 3; i++) {
      await (await op.load(ref, { backend: 'wasm' })).dispose();
      await (await ort.InferenceSession.create(bytes, options)).release();
    }
    const runtime: number[] = [];
    const direct: number[] = [];
    const loadRuntime = async () => {
      const t = performance.now();
      const m = await op.load(ref, { backend: 'wasm' });
      runtime.push(performance.now() - t);
      if (m.source !== 'cache') throw new Error(`warm load came from ${m.source}`);
      await m.revalidated;
      await m.dispose();
    };
    const createDirect = async () => {
      const t = performance.now();
      const session = await ort.InferenceSession.create(bytes, options);
      direct.push(performance.now() - t);
      await session.release();
    };
    for (let i = 0; i < loads; i++) {
      if (i % 2) await loadRuntime(), await createDirect();
      else await createDirect(), await loadRuntime();
    }
    return { runtime, direct };
  }, args);
}

/** Models travel into the page as base64: an array of 16M numbers through page.evaluate exhausts Node's heap. */
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const ms = (v: number) => `${fmt(v, 2)} ms`;
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/**
 * DESIGN §9/§10, in Chromium against a real hub.
 * - `model.run` vs onnxruntime-web on the page's main thread (same backend, options and model; ratio of medians
 *   ≤ 1.05), at a batch that takes tens of ms and at a small one that shows the fixed cost of a call.
 * - A warm `op.load` from IndexedDB including the sha256 check vs `InferenceSession.create` from a buffer already in
 *   memory (≤ 1.3), for a real model (Silero VAD) and for the 16 MB weight-only stack, where reading the bytes
 *   back from IndexedDB alone costs about half of what building the session does.
 */
export async function runtimeBench(hub: BenchHub, s: RuntimeSizes): Promise<Figure[]> {
  const api = new HubApi(hub.url, hub.key);
  const dense = denseStackOnnx(s);
  await api.publish('bench-dense', 'onnx', { 'model.onnx': dense }, 'production');
  await api.publish('bench-vad', 'onnx', { 'silero_vad.onnx': SILERO_VAD_V5 }, 'production');
  const key = await api.publishableKey();
  const site = new Site(hub.url);
  await site.start();
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() });
  try {
    // A fresh page (and so a fresh worker and heap) per part: one part's garbage does not land in the next one's figures.
    const inPage = async <T,>(fn: (page: Page) => Promise<T>): Promise<T> => {
      const page = await browser.newPage();
      try {
        // tsx keeps function names with a __name helper that page.evaluate's copy of the function lacks.
        await page.addInitScript('window.__name = (f) => f');
        await page.goto(site.url);
        await page.waitForFunction(() => 'Outpost' in window);
        return await fn(page);
      } finally {
        await page.close();
      }
    };
    const common = { hub: hub.url, key, model: base64(dense), width: s.width, runs: s.runs, warm: s.warm };
    // The bare worker's session is a third copy of onnxruntime in the page: only the reference figure carries it.
    const big = await inPage((page) => measureRuns(page, { ...common, ref: 'bench-dense@production', batch: s.batch, bare: false }));
    const small = await inPage((page) => measureRuns(page, { ...common, ref: 'bench-dense@production', batch: s.smallBatch, bare: true }));
    for (const t of [big, small]) if (t.maxDiff > 1e-4) throw new Error(`runtime and direct outputs differ by ${t.maxDiff}`);
    const vadLoads = await inPage((page) => measureLoads(page, { hub: hub.url, key, ref: 'bench-vad@production', model: base64(SILERO_VAD_V5), loads: s.loads }));
    const denseLoads = await inPage((page) => measureLoads(page, { hub: hub.url, key, ref: 'bench-dense@production', model: base64(dense), loads: s.loads }));
    const mb = (bytes: Uint8Array) => `${fmt(bytes.byteLength / 2 ** 20, 1)} MB`;
    const shape = `${s.layers}×${s.width}² dense`;
    const runFigure = (t: RunTimings, batch: number, target: string) => {
      const [run, direct] = [med(t.runtime), med(t.direct)];
      return {
        name: `runtime model.run (worker, ${t.backend}) vs onnxruntime-web on the main thread, ${shape}, batch ${batch}, median of ${s.runs}; the runtime adds ${fmt(run - direct, 2)} ms a call`,
        value: ms(run),
        baseline: ms(direct),
        ratio: fmt(run / direct, 3),
        target,
        ok: target.startsWith('(') || run / direct <= 1.05,
      };
    };
    const loadFigure = (t: { runtime: number[]; direct: number[] }, what: string, target: string) => {
      const [load, create] = [med(t.runtime), med(t.direct)];
      return {
        name: `runtime warm load (IndexedDB + sha256 + worker session) vs InferenceSession.create from memory, ${what}, median of ${s.loads}`,
        value: ms(load),
        baseline: ms(create),
        ratio: fmt(load / create, 3),
        target,
        ok: target.startsWith('(') || load / create <= 1.3,
      };
    };
    return [
      runFigure(big, s.batch, '≤ 1.05'),
      runFigure(small, s.smallBatch, '(for reference: the same fixed cost on a shorter run)'),
      {
        name: `(reference) a bare module worker running the same session with no runtime code, vs the main thread, batch ${s.smallBatch}: the cost of any worker hop here`,
        value: ms(med(small.bare)),
        baseline: ms(med(small.direct)),
        ratio: fmt(med(small.bare) / med(small.direct), 3),
        target: '(for reference)',
        ok: true,
      },
      loadFigure(vadLoads, `Silero VAD v5 (${mb(SILERO_VAD_V5)}, exported from PyTorch)`, '≤ 1.3'),
      loadFigure(denseLoads, `${shape} (${mb(dense)} of weights, trivial graph)`, `(for reference: reading ${mb(dense)} back from IndexedDB sets the floor)`),
    ];
  } finally {
    await browser.close();
    await site.stop();
  }
}
