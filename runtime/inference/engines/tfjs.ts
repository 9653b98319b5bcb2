import type * as Tf from '@tensorflow/tfjs';
import type { DeviceBackend as Backend } from '../protocol.js';
import { cachedAsset, importAsset } from '../../assets.js';
import { OutpostRuntimeError } from '../../errors.js';
import type { CreateSession, WorkerConfig } from '../protocol.js';
import type { Feeds, Outputs } from '../tensors.js';

type TfBundle = { tf: typeof Tf; setWasmPaths: (paths: Record<string, string>) => void };

export const TFJS_FILES = {
  module: 'tfjs/tfjs.js',
  // tfjs asks for all three even when it will not use threads (WASM_HAS_MULTITHREAD_SUPPORT is off below).
  wasm: ['tfjs/tfjs-backend-wasm.wasm', 'tfjs/tfjs-backend-wasm-simd.wasm', 'tfjs/tfjs-backend-wasm-threaded-simd.wasm'],
} as const;

let bundle: Promise<TfBundle> | undefined;
let current: Backend | undefined;

/** tfjs from the hub (Cache API first), with its wasm files handed over as blob URLs so they load offline. */
export function loadTfjs(config: WorkerConfig): Promise<TfBundle> {
  bundle ??= (async () => {
    const mod = await importAsset<TfBundle>(config.assetBase, TFJS_FILES.module);
    const paths: Record<string, string> = {};
    for (const path of TFJS_FILES.wasm) {
      const res = await cachedAsset(config.assetBase, path);
      paths[path.slice('tfjs/'.length)] = URL.createObjectURL(new Blob([await res.arrayBuffer()], { type: 'application/wasm' }));
    }
    mod.setWasmPaths(paths);
    mod.tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return mod;
  })();
  bundle.catch(() => (bundle = undefined));
  return bundle;
}

const ORDER: Backend[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** tfjs holds one backend per worker: the first model picks it, later ones share it. */
export async function useTfjsBackend(tf: typeof Tf, wanted: CreateSession['backend']): Promise<Backend> {
  if (current && (wanted === 'auto' || wanted === current)) return current;
  if (current) throw new OutpostRuntimeError('backend_unavailable', `this worker already runs tfjs on "${current}"`);
  const reasons: string[] = [];
  for (const b of wanted === 'auto' ? ORDER : [wanted]) {
    try {
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
  const { tf } = await loadTfjs(config);
  const backend = await useTfjsBackend(tf, request.backend);
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
