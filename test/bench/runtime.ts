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
  /** …and of shorter runs for reference, where the same fixed cost a call weighs more; the last also times a bare worker. */
  referenceBatches: number[];
  /** Timed calls per side in each round. */
  runs: number;
  /** Calls on every side before timing starts. */
  warm: number;
  loads: number;
  /**
   * Each run figure is measured in this many rounds, each in a browser of its own: from one browser start to the next,
   * the same session ran up to 25% faster or slower on one thread than on the other (which vCPU each thread lands on,
   * where its heap lies), on either side, so one round is a draw, not a figure.
   */
  rounds: number;
}
export const RUNTIME_FULL: RuntimeSizes = { width: 512, layers: 16, batch: 128, referenceBatches: [64, 16], runs: 60, warm: 40, loads: 8, rounds: 7 };
export const RUNTIME_SMOKE: RuntimeSizes = { width: 32, layers: 2, batch: 4, referenceBatches: [2, 1], runs: 3, warm: 1, loads: 1, rounds: 1 };

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

/** Times of the two sides of a figure from one page. */
interface Paired {
  /** The worker side: the runtime (`model.run`, `op.load`), or a bare module worker. */
  worker: number[];
  direct: number[];
}

interface RunTimings extends Paired {
  backend: string;
  maxDiff: number;
}

/**
 * In the page: `model.run` of the runtime (or, with `bare`, a module worker running the same session with no runtime
 * code: what any worker hop costs here) against onnxruntime-web on the page's main thread, alternated call by call.
 * Each page holds two copies of onnxruntime, never three: with a third beside them, the runtime measured +3.0 ms a call
 * at batch 16 against +0.9 ms without.
 */
async function measureRuns(page: Page, args: { hub: string; key: string; ref: string; model: string; width: number; batch: number; runs: number; warm: number; bare: boolean }): Promise<RunTimings> {
  return page.evaluate(async ({ hub, key, ref, model, width, batch, runs, warm, bare }) => {
    const input = () => Float32Array.from({ length: batch * width }, (_, i) => Math.sin(i));
    const ort = await import(/* @vite-ignore */ `${hub}/runtime/ort/ort.bundle.min.mjs`);
    ort.env.wasm.numThreads = 1;
    const options = { graphOptimizationLevel: 'all', executionProviders: ['wasm'] };
    const bytes = Uint8Array.from(atob(model), (c) => c.charCodeAt(0));
    const direct = await ort.InferenceSession.create(bytes, options);
    const runDirect = async () => (await direct.run({ x: new ort.Tensor('float32', input(), [batch, width]) })).y.data as Float32Array;

    let runWorker: () => Promise<Float32Array>;
    let backend = 'wasm';
    let release: () => Promise<unknown>;
    if (bare) {
      const source = `const ort = await import(${JSON.stringify(`${hub}/runtime/ort/ort.bundle.min.mjs`)});
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
      const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), { type: 'module' });
      const reply = () => new Promise<any>((resolve) => (worker.onmessage = (e) => resolve(e.data)));
      await reply();
      worker.postMessage({ model: bytes.slice().buffer });
      await reply();
      runWorker = () => {
        const x = input();
        worker.postMessage({ x }, [x.buffer]);
        return reply();
      };
      release = async () => worker.terminate();
    } else {
      const op = await (window as any).Outpost.connect({ hub, key });
      const runtimeModel = await op.load(ref, { backend: 'wasm' });
      backend = runtimeModel.backend;
      runWorker = async () => (await runtimeModel.run({ x: { data: input(), dims: [batch, width] } })).y.data as Float32Array;
      release = () => runtimeModel.dispose();
    }

    const a = await runWorker();
    const b = await runDirect();
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    // Steady state on every side before the clock starts: V8 moves hot wasm functions to its optimising tier only after
    // they have run a while, in each thread by its own clock, and a few warm-up calls left one side or the other
    // up to 25% slower from one browser start to the next.
    for (let i = 0; i < warm; i++) await runWorker(), await runDirect();

    // Alternate one by one, starting with either side by turns, so drift and background work hit both alike.
    const t: RunTimings = { worker: [], direct: [], backend, maxDiff };
    const timed = async (fn: () => Promise<unknown>, into: number[]) => {
      const started = performance.now();
      await fn();
      into.push(performance.now() - started);
    };
    for (let i = 0; i < runs; i++) {
      if (i % 2) await timed(runWorker, t.worker), await timed(runDirect, t.direct);
      else await timed(runDirect, t.direct), await timed(runWorker, t.worker);
    }
    await release();
    await direct.release();
    return t;
  }, args);
}

/**
 * In the page: a warm `op.load` (IndexedDB read, sha256 of every file, session built in the worker) against
 * `InferenceSession.create` on the main thread from a buffer already in memory, alternated load by load.
 */
async function measureLoads(page: Page, args: { hub: string; key: string; ref: string; model: string; loads: number }): Promise<Paired> {
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
    const worker: number[] = [];
    const direct: number[] = [];
    const loadRuntime = async () => {
      const t = performance.now();
      const m = await op.load(ref, { backend: 'wasm' });
      worker.push(performance.now() - t);
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
    return { worker, direct };
  }, args);
}

/** Models travel into the page as base64: an array of 16M numbers through page.evaluate exhausts Node's heap. */
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const ms = (v: number) => `${fmt(v, 2)} ms`;
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/**
 * DESIGN §9/§10, in Chromium against a real hub.
 * - `model.run` vs onnxruntime-web on the page's main thread (same backend, options and model; ratio of medians
 *   ≤ 1.05), at a batch of about 50 ms a run, and at shorter ones where the same fixed cost a call weighs more, with a
 *   bare module worker beside them for what any worker hop costs.
 * - Every figure is the median of several rounds, each in a fresh browser: within one browser start the same work ran
 *   up to 25% faster on one thread than on the other, so one round's ratio is a draw.
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
  // A fresh browser (so a fresh renderer, worker and heap) per page: one part's garbage or thread placement does not
  // land in the next one's figures.
  const inPage = async <T,>(fn: (page: Page) => Promise<T>): Promise<T> => {
    const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() });
    try {
      const page = await browser.newPage();
      // tsx keeps function names with a __name helper that page.evaluate's copy of the function lacks.
      await page.addInitScript('window.__name = (f) => f');
      await page.goto(site.url);
      await page.waitForFunction(() => 'Outpost' in window);
      return await fn(page);
    } finally {
      await browser.close();
    }
  };
  try {
    const common = { hub: hub.url, key, model: base64(dense), width: s.width, runs: s.runs, warm: s.warm };
    // Every runtime batch, then a bare worker at the shortest one, each in its own page, round after round.
    const sides = [...[s.batch, ...s.referenceBatches].map((batch) => ({ batch, bare: false })), { batch: s.referenceBatches.at(-1) ?? s.batch, bare: true }];
    const timings = sides.map((): RunTimings[] => []);
    for (let r = 0; r < s.rounds; r++) {
      for (const [i, side] of sides.entries()) timings[i]!.push(await inPage((page) => measureRuns(page, { ...common, ref: 'bench-dense@production', ...side })));
    }
    for (const t of timings.flat()) if (t.maxDiff > 1e-4) throw new Error(`runtime and direct outputs differ by ${t.maxDiff}`);
    const vadLoads: Paired[] = [];
    const denseLoads: Paired[] = [];
    for (let r = 0; r < s.rounds; r++) {
      vadLoads.push(await inPage((page) => measureLoads(page, { hub: hub.url, key, ref: 'bench-vad@production', model: base64(SILERO_VAD_V5), loads: s.loads })));
      denseLoads.push(await inPage((page) => measureLoads(page, { hub: hub.url, key, ref: 'bench-dense@production', model: base64(dense), loads: s.loads })));
    }
    const mb = (bytes: Uint8Array) => `${fmt(bytes.byteLength / 2 ** 20, 1)} MB`;
    const shape = `${s.layers}×${s.width}² dense`;
    /** Per round, the ratio of medians; the figure is the median round, and every round's ratio is shown. */
    const figure = (rounds: Paired[], what: string, limit: number | undefined, target: string): Figure => {
      const each = rounds.map((t) => ({ ms: med(t.worker), direct: med(t.direct) })).sort((a, b) => a.ms / a.direct - b.ms / b.direct);
      const mid = each[each.length >> 1]!;
      const ratio = mid.ms / mid.direct;
      return {
        name: `${what}; median round of ${rounds.length}, each a fresh browser (rounds: ${each.map((e) => fmt(e.ms / e.direct, 3)).join(' ')}); adds ${fmt(mid.ms - mid.direct, 2)} ms`,
        value: ms(mid.ms),
        baseline: ms(mid.direct),
        ratio: fmt(ratio, 3),
        target,
        ok: limit === undefined || ratio <= limit,
      };
    };
    const calls = `median of ${s.runs} calls a side after ${s.warm} warm-up calls`;
    const runtimeRun = (batch: number) => `runtime model.run (worker, ${timings[0]![0]!.backend}) vs onnxruntime-web on the main thread, ${shape}, batch ${batch}, ${calls}`;
    const load = (what: string) => `runtime warm load (IndexedDB + sha256 + worker session) vs InferenceSession.create from memory, ${what}, median of ${s.loads} loads a side`;
    const reference = '(for reference: the same fixed cost on a shorter run)';
    return [
      figure(timings[0]!, runtimeRun(s.batch), 1.05, '≤ 1.05'),
      ...s.referenceBatches.map((batch, i) => figure(timings[i + 1]!, runtimeRun(batch), undefined, reference)),
      figure(timings.at(-1)!, `(reference) a bare module worker running the same session with no runtime code vs the main thread, batch ${sides.at(-1)!.batch}, ${calls}: what any worker hop costs here`, undefined, '(for reference)'),
      figure(vadLoads, load(`Silero VAD v5 (${mb(SILERO_VAD_V5)}, exported from PyTorch)`), 1.3, '≤ 1.3'),
      figure(denseLoads, load(`${shape} (${mb(dense)} of weights, trivial graph)`), undefined, `(for reference: reading ${mb(dense)} back from IndexedDB sets the floor)`),
    ];
  } finally {
    await site.stop();
  }
}
