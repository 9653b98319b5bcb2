import type * as Tf from '@tensorflow/tfjs';
import type { DeviceBackend as Backend } from '../protocol.js';
import { cachedAsset, importAsset } from '../../assets.js';
import { OutpostRuntimeError } from '../../errors.js';
import type { CreateSession, WorkerConfig } from '../protocol.js';
import type { Feeds, Outputs } from '../tensors.js';

type TfBundle = { tf: typeof Tf; setWasmPaths: (paths: Record<string, string>) => void };
/** tfjs with its wasm binary fetched on demand: only when the wasm backend is tried, and only the one it runs. */
export type Tfjs = { tf: typeof Tf; wasmReady: () => Promise<void> };

export const TFJS_FILES = {
  module: 'tfjs/tfjs.js',
  wasm: { simd: 'tfjs/tfjs-backend-wasm-simd.wasm', plain: 'tfjs/tfjs-backend-wasm.wasm' },
} as const;
/** The names tfjs wants a path for, though it fetches only one (threads are off: pages are rarely cross-origin isolated). */
const TFJS_WASM_NAMES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

let bundle: Promise<Tfjs> | undefined;
let current: Backend | undefined;

/** tfjs from the hub (Cache API first); its wasm goes to tfjs as a blob URL, so it loads offline too. */
export function loadTfjs(config: WorkerConfig): Promise<Tfjs> {
  bundle ??= (async () => {
    const mod = await importAsset<TfBundle>(config.assetBase, TFJS_FILES.module);
    mod.tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    let wasm: Promise<void> | undefined;
    const wasmReady = () => {
      wasm ??= (async () => {
        const file = (await mod.tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? TFJS_FILES.wasm.simd : TFJS_FILES.wasm.plain;
        const url = URL.createObjectURL(new Blob([await (await cachedAsset(config.assetBase, file)).arrayBuffer()], { type: 'application/wasm' }));
        mod.setWasmPaths(Object.fromEntries(TFJS_WASM_NAMES.map((name) => [name, url])));
      })();
      wasm.catch(() => (wasm = undefined));
      return wasm;
    };
    return { tf: mod.tf, wasmReady };
  })();
  bundle.catch(() => (bundle = undefined));
  return bundle;
}

const ORDER: Backend[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** tfjs holds one backend per worker: the first model picks it, later ones share it. */
export async function useTfjsBackend({ tf, wasmReady }: Tfjs, wanted: CreateSession['backend']): Promise<Backend> {
  if (current && (wanted === 'auto' || wanted === current)) return current;
  if (current) throw new OutpostRuntimeError('backend_unavailable', `this worker already runs tfjs on "${current}"`);
  const reasons: string[] = [];
  for (const b of wanted === 'auto' ? ORDER : [wanted]) {
    try {
      if (b === 'wasm') await wasmReady();
      if (await tf.setBackend(b)) {
        await tf.ready();
        current = b;
        return b;
      }
      reasons.push(`${b}: not supported here`);
    } catch (err) {
      reasons.push(`${b}: ${(err as Error).message}`);
    }
  }
  throw new OutpostRuntimeError('backend_unavailable', `tfjs backend ${wanted === 'auto' ? 'selection' : `"${wanted}"`} failed (${reasons.join('; ')})`);
}

/** The tfjs io artifacts of a layers model held as files: model.json plus its weight shards, concatenated in manifest order. */
export function layersArtifacts(files: Record<string, ArrayBuffer>): Tf.io.ModelArtifacts {
  const jsonPath = Object.keys(files).find((p) => p === 'model.json' || p.endsWith('/model.json'));
  if (!jsonPath) throw new OutpostRuntimeError('unsupported', 'a tfjs-layers model needs a model.json file');
  const dir = jsonPath.slice(0, jsonPath.length - 'model.json'.length);
  const json = JSON.parse(new TextDecoder().decode(files[jsonPath])) as { modelTopology: object; weightsManifest?: { paths: string[]; weights: Tf.io.WeightsManifestEntry[] }[] };
  const groups = json.weightsManifest ?? [];
  const shards = groups.flatMap((g) => g.paths).map((p) => {
    const data = files[dir + p] ?? files[p];
    if (!data) throw new OutpostRuntimeError('unsupported', `model.json names weight file "${p}", which the model does not have`);
    return new Uint8Array(data);
  });
  const weightData = new Uint8Array(shards.reduce((s, b) => s + b.byteLength, 0));
  let offset = 0;
  for (const s of shards) {
    weightData.set(s, offset);
    offset += s.byteLength;
  }
  return { modelTopology: json.modelTopology, weightSpecs: groups.flatMap((g) => g.weights), weightData: weightData.buffer };
}

export interface TfjsSession {
  backend: Backend;
  run(feeds: Feeds): Promise<Outputs>;
  dispose(): Promise<void>;
}

export async function createTfjsSession(config: WorkerConfig, request: CreateSession): Promise<TfjsSession> {
  const tfjs = await loadTfjs(config);
  const { tf } = tfjs;
  const backend = await useTfjsBackend(tfjs, request.backend);
  const model = await tf.loadLayersModel(tf.io.fromMemory(layersArtifacts(request.files)));
  const { inputs, outputs } = request.signature;
  return {
    backend,
    async run(feeds) {
      const xs = inputs.map((spec) => tf.tensor(feeds[spec.name]!.data as Float32Array, feeds[spec.name]!.dims, 'float32'));
      try {
        const ys = model.predict(xs.length === 1 ? xs[0]! : xs);
        const list = Array.isArray(ys) ? ys : [ys];
        const result: Outputs = {};
        for (const [i, y] of list.entries()) {
          result[outputs[i]?.name ?? `output_${i}`] = { data: (await y.data()) as Float32Array, dims: [...y.shape], dtype: y.dtype };
          y.dispose();
        }
        return result;
      } finally {
        for (const x of xs) x.dispose();
      }
    },
    async dispose() {
      model.dispose();
    },
  };
}
