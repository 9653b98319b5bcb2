import { Agent, request } from 'node:http';
import * as ort from 'onnxruntime-node';
import { writeOnnxModel } from '../../hub/registry/onnx/write.js';
import { readServingConfig } from '../../hub/serving/config.js';
import { onnxSessionOptions } from '../../hub/serving/engines/onnx.js';
import { HEADER_LENGTH } from '../../shared/serving/binary.js';
import { publishModel } from '../helpers/serving.js';
import { startBenchHub, type BenchHub } from './hub.js';
import { denseStackOnnx, RUNTIME_FULL } from './runtime.js';
import { fmt, median, timeMs } from './stats.js';
import type { Figure } from './tracking.js';

export interface ServingSizes {
  /** Timed calls per side for the ≈ 50 ms and the ≈ 1 ms model (batch 1, one client). */
  slowCalls: number;
  fastCalls: number;
  /** Run times the generated models are calibrated to, in-process. */
  slowMs: number;
  fastMs: number;
  /** Concurrent clients, and batch-1 requests each sends one after another. */
  clients: number;
  requestsPerClient: number;
}
export const SERVING_FULL: ServingSizes = { slowCalls: 100, fastCalls: 300, slowMs: 50, fastMs: 1, clients: 64, requestsPerClient: 40 };
export const SERVING_SMOKE: ServingSizes = { slowCalls: 3, fastCalls: 5, slowMs: 2, fastMs: 0.2, clients: 4, requestsPerClient: 3 };

/**
 * The session options of both arms: the hub's for the OUTPOST_SERVE_THREADS this process runs with (its hubs get the
 * same), and the in-process baseline's, printed in each figure's name.
 */
const HUB_THREADS = readServingConfig(process.env).threads;
const SESSION_OPTIONS = onnxSessionOptions(HUB_THREADS);
const OPTIONS_TEXT = `both arms: onnxruntime-node CPU, graph optimization all, ${HUB_THREADS ? `${HUB_THREADS} intra-op thread${HUB_THREADS > 1 ? 's' : ''}` : 'default intra-op threads (one a core)'}, spinning off`;

/** Targets fixed before measuring. */
const TARGET_OVERHEAD = 1.1;
const TARGET_BATCHING = 3;

/** The gated ≈ 50 ms model's example: 64 rows of 1024 floats (256 KB), its layers calibrated. */
const DEEP_ROWS = 64;
const DEEP_WIDTH = 1024;
const tensorKb = (floats: number) => fmt((floats * 4) / 1024);

/** x float32 ["batch", rows, width] through `layers` MatMul + Relu: compute grows with rows, weights stay small. */
function rowStackOnnx(rows: number, width = 256, layers = 8): Uint8Array {
  let seed = 11;
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
  return writeOnnxModel({ producer: 'outpost-bench', inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', rows, width] }], outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', rows, width] }], initializers, nodes });
}

interface BenchModel {
  name: string;
  bytes: Uint8Array;
  dims: number[];
  describe: string;
}

/**
 * A model's in-process batch-1 run time, runs back to back: the median of at least 15 runs (and 300 ms of them) after
 * at least 10 (and 300 ms) of warm-up. Two warm-up runs and seven timed ones, as before, read a ≈ 0.45 ms model as
 * ≈ 1 ms: its first runs pay for cold caches and onnxruntime's first allocations.
 */
async function inProcessMs(bytes: Uint8Array, dims: number[]): Promise<number> {
  const session = await ort.InferenceSession.create(bytes, SESSION_OPTIONS);
  const x = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.1), dims);
  const times = async (least: number) => {
    const out: number[] = [];
    for (let spent = 0; out.length < least || spent < 300; ) {
      out.push(await timeMs(() => session.run({ x })));
      spent += out.at(-1)!;
    }
    return out;
  };
  await times(10);
  const ms = median(await times(15));
  await session.release();
  return ms;
}

/**
 * Scales a generated model until its in-process batch-1 run takes about `targetMs` (within 15%, at most 8 sizes
 * tried) and keeps the size measured closest to it. Run time is not linear in size once the weights outgrow the
 * caches (a 512-wide layer is 1 MB), so once a size too small and one too large are known the next is between them.
 * Its name gives the time measured; the sizes tried go to stderr.
 */
async function calibrate(targetMs: number, make: (size: number) => { bytes: Uint8Array; dims: number[]; describe: string }, start: number, min: number, max: number) {
  const tried = new Map<number, { made: ReturnType<typeof make>; ms: number }>();
  let [low, high] = [min - 1, max + 1];
  for (let size = start; tried.size < 8 && !tried.has(size); ) {
    const made = make(size);
    const ms = await inProcessMs(made.bytes, made.dims);
    tried.set(size, { made, ms });
    if (Math.abs(ms - targetMs) / targetMs < 0.15) break;
    if (ms < targetMs) low = Math.max(low, size);
    else high = Math.min(high, size);
    const scaled = Math.round((size * targetMs) / ms);
    size = scaled > low && scaled < high ? scaled : Math.round((low + high) / 2);
    size = Math.max(min, Math.min(max, size));
  }
  const off = (ms: number) => Math.abs(Math.log(ms / targetMs));
  const { made, ms } = [...tried.values()].reduce((a, b) => (off(b.ms) < off(a.ms) ? b : a));
  console.error(`  calibrated to ${targetMs} ms: ${[...tried].map(([size, t]) => `${size} → ${fmt(t.ms, 2)} ms`).join(', ')}`);
  return { ...made, describe: `${made.describe}, ${fmt(ms, 2)} ms a run in-process when calibrated` };
}

const agent = new Agent({ keepAlive: true, maxSockets: 128 });

/** A binary-extension request, framed once: its JSON header and the tensor's bytes, sent as they are (no copy into one body). */
interface BinaryRequest {
  header: Uint8Array;
  tensor: Uint8Array;
}
function binaryRequest(x: Float32Array, dims: number[]): BinaryRequest {
  const header = new TextEncoder().encode(JSON.stringify({ inputs: [{ name: 'x', shape: dims, datatype: 'FP32', parameters: { binary_data_size: x.byteLength } }], parameters: { binary_data_output: true } }));
  return { header, tensor: new Uint8Array(x.buffer, x.byteOffset, x.byteLength) };
}

/** One infer call over a kept-alive socket; resolves to the reply's bytes. */
function inferBinary(hub: BenchHub, model: string, { header, tensor }: BinaryRequest): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request(`${hub.url}/v2/models/${model}/infer`, { method: 'POST', agent, headers: { authorization: `Bearer ${hub.key}`, 'content-type': 'application/octet-stream', [HEADER_LENGTH]: String(header.byteLength), 'content-length': header.byteLength + tensor.byteLength } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`infer ${model}: HTTP ${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 300)}`))));
    });
    req.on('error', reject);
    req.write(header);
    req.end(tensor);
  });
}

const hubRequest = (hub: BenchHub) => (path: string, init: RequestInit = {}) => fetch(hub.url + path, { ...init, headers: { authorization: `Bearer ${hub.key}`, ...(init.headers as object) } });

/** Batch 1, one client: the hub over HTTP with binary tensors against onnxruntime-node in this process with the hub's session options, calls interleaved. */
async function overhead(hub: BenchHub, model: BenchModel, calls: number, target: number | null): Promise<Figure> {
  const session = await ort.InferenceSession.create(model.bytes, SESSION_OPTIONS);
  const x = new Float32Array(model.dims.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i));
  const feeds = { x: new ort.Tensor('float32', x, model.dims) };
  const sent = binaryRequest(x, model.dims);
  for (let i = 0; i < 3; i++) {
    await session.run(feeds);
    await inferBinary(hub, model.name, sent);
  }
  const local: number[] = [];
  const remote: number[] = [];
  for (let i = 0; i < calls; i++) {
    local.push(await timeMs(() => session.run(feeds)));
    remote.push(await timeMs(() => inferBinary(hub, model.name, sent)));
  }
  await session.release();
  const ratio = median(remote) / median(local);
  return {
    name: `serving: POST /v2 …/infer (binary tensors, batch 1, one client) vs onnxruntime-node in-process, ${model.describe}, median of ${calls} (${OPTIONS_TEXT})`,
    value: `${fmt(median(remote), 2)} ms`,
    baseline: `${fmt(median(local), 2)} ms`,
    ratio: `${fmt(ratio, 2)}× (+${fmt(median(remote) - median(local), 2)} ms a call)`,
    target: target === null ? 'reported' : `≤ ${target}×`,
    ok: target === null || ratio <= target,
  };
}

/** `clients` concurrent clients each sending batch-1 requests one after another; requests a second and p99. */
async function concurrent(hub: BenchHub, model: BenchModel, s: ServingSizes) {
  const sent = binaryRequest(new Float32Array(model.dims.reduce((a, b) => a * b, 1)).fill(0.25), model.dims);
  for (let i = 0; i < 5; i++) await inferBinary(hub, model.name, sent);
  // Warmed as it is then measured, in both arms alike. A fresh hub serves its first few thousand requests markedly
  // slower (measured: the first 2,560 at 50–60% of the rate of the next ones, in both arms: the JIT, the heap
  // growing), so one whole round of the measured size goes first, unmeasured: the figure is the steady state.
  const round = async (latencies: number[]) => {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: s.clients }, async () => {
        for (let i = 0; i < s.requestsPerClient; i++) latencies.push(await timeMs(() => inferBinary(hub, model.name, sent)));
      }),
    );
    return (performance.now() - started) / 1000;
  };
  await round([]);
  const latencies: number[] = [];
  const seconds = await round(latencies);
  latencies.sort((a, b) => a - b);
  return { perSecond: latencies.length / seconds, p99: latencies[Math.min(latencies.length - 1, Math.ceil(0.99 * latencies.length) - 1)]! };
}

/**
 * Server-side inference (docs/serving.md), against hub processes as `npm start` runs them:
 * - HTTP with binary tensors against onnxruntime-node in-process, same model, batch 1, one client: a generated model
 *   of ≈ 50 ms a run (target ≤ 1.1×) and one of ≈ 1 ms (reported: there the fixed cost of a request shows).
 * - 64 clients at once sending batch-1 requests to the ≈ 1 ms model: requests a second with dynamic batching on
 *   against a hub with it off (OUTPOST_SERVE_BATCHING=0), target ≥ 3×, p99 of each reported.
 */
export async function servingBench(s: ServingSizes): Promise<Figure[]> {
  console.error('calibrating the generated serving models…');
  // The gated ≈ 50 ms model does its work in depth, as served models of that size do (a transformer's layers over 64
  // tokens, a CNN's over one image): tensors of 256 KB each way. The one beside it grows its rows instead, so its
  // tensors grow with its run time (≈ 6 MB each way at 50 ms on a quiet machine): there moving the bytes over
  // loopback shows, and it is reported, not gated.
  const slow = await calibrate(s.slowMs, (layers) => ({ bytes: rowStackOnnx(DEEP_ROWS, DEEP_WIDTH, layers), dims: [1, DEEP_ROWS, DEEP_WIDTH], describe: `≈ ${s.slowMs} ms model (${layers} × MatMul ${DEEP_WIDTH}², ${DEEP_ROWS} rows an example: ${tensorKb(DEEP_ROWS * DEEP_WIDTH)} KB tensors each way)` }), 8, 1, 64);
  const wide = await calibrate(s.slowMs, (rows) => ({ bytes: rowStackOnnx(rows), dims: [1, rows, 256], describe: `≈ ${s.slowMs} ms model grown in rows (8 × MatMul 256², ${rows} rows an example: ${tensorKb(rows * 256)} KB tensors each way)` }), 64, 1, 8192);
  const fast = await calibrate(s.fastMs, (layers) => ({ bytes: denseStackOnnx({ ...RUNTIME_FULL, width: 512, layers }), dims: [1, 512], describe: `≈ ${s.fastMs} ms model (${layers} × MatMul 512² + Relu)` }), 8, 1, 256);
  const figures: Figure[] = [];
  const threads: Record<string, string> = HUB_THREADS ? { OUTPOST_SERVE_THREADS: String(HUB_THREADS) } : {};
  const batched = await startBenchHub(undefined, { ...threads });
  const unbatched = await startBenchHub(undefined, { ...threads, OUTPOST_SERVE_BATCHING: '0' });
  try {
    for (const hub of [batched, unbatched]) {
      await publishModel(hubRequest(hub), 'slow', { 'model.onnx': slow.bytes }, { alias: 'production' });
      await publishModel(hubRequest(hub), 'wide', { 'model.onnx': wide.bytes }, { alias: 'production' });
      await publishModel(hubRequest(hub), 'fast', { 'model.onnx': fast.bytes }, { alias: 'production' });
    }
    figures.push(await overhead(batched, { name: 'slow', ...slow }, s.slowCalls, TARGET_OVERHEAD));
    figures.push(await overhead(batched, { name: 'wide', ...wide }, s.slowCalls, null));
    figures.push(await overhead(batched, { name: 'fast', ...fast }, s.fastCalls, null));
    const off = await concurrent(unbatched, { name: 'fast', ...fast }, s);
    const on = await concurrent(batched, { name: 'fast', ...fast }, s);
    const ratio = on.perSecond / off.perSecond;
    figures.push({
      name: `serving: ${s.clients} concurrent clients, batch-1 requests to the ${fast.describe}, ${s.clients * s.requestsPerClient} requests: dynamic batching vs none (OUTPOST_SERVE_BATCHING=0; same hub and session options otherwise)`,
      value: `${fmt(on.perSecond)} requests/s (p99 ${fmt(on.p99, 1)} ms)`,
      baseline: `${fmt(off.perSecond)} requests/s (p99 ${fmt(off.p99, 1)} ms)`,
      ratio: `${fmt(ratio, 2)}×`,
      target: `≥ ${TARGET_BATCHING}×`,
      ok: ratio >= TARGET_BATCHING,
    });
  } finally {
    agent.destroy();
    await batched.stop();
    await unbatched.stop();
  }
  return figures;
}
