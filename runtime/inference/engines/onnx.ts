import type * as Ort from 'onnxruntime-web';
import type { DeviceBackend as Backend } from '../protocol.js';
import { cachedAsset, importAsset } from '../../assets.js';
import { OutpostRuntimeError } from '../../errors.js';
import type { CreateSession, WorkerConfig } from '../protocol.js';
import type { Feeds, Outputs, TensorData } from '../tensors.js';
import { webgpuAdapter } from './gpu.js';

export const ORT_FILES = { module: 'ort/ort.bundle.min.mjs', wasm: 'ort/ort-wasm-simd-threaded.jsep.wasm' } as const;

let ort: Promise<typeof Ort> | undefined;

/** onnxruntime-web from the hub's own files (Cache API first): no CDN, and it starts offline once cached. */
function loadOrt(config: WorkerConfig): Promise<typeof Ort> {
  ort ??= (async () => {
    const mod = await importAsset<typeof Ort>(config.assetBase, ORT_FILES.module);
    mod.env.wasm.wasmBinary = await (await cachedAsset(config.assetBase, ORT_FILES.wasm)).arrayBuffer();
    // Threads need SharedArrayBuffer, which only cross-origin isolated pages (COOP + COEP) have.
    mod.env.wasm.numThreads = self.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
    mod.env.wasm.proxy = false;
    return mod;
  })();
  ort.catch(() => (ort = undefined));
  return ort;
}

export interface OnnxSession {
  backend: Backend;
  run(feeds: Feeds, dtypes: Record<string, string>): Promise<Outputs>;
  dispose(): Promise<void>;
}

/** Session options shared with the bench baseline, so the two differ only by the runtime around them. */
export const SESSION_OPTIONS = { graphOptimizationLevel: 'all' } as const;

export async function createOnnxSession(config: WorkerConfig, request: CreateSession): Promise<OnnxSession> {
  if (request.backend === 'webgl' || request.backend === 'cpu') {
    throw new OutpostRuntimeError('backend_unavailable', `backend "${request.backend}" does not run ONNX models: use "webgpu", "wasm" or "auto"`);
  }
  const lib = await loadOrt(config);
  const paths = Object.keys(request.files);
  const main = paths.find((p) => p.endsWith('.onnx')) ?? paths[0]!;
  const externalData = paths.filter((p) => p !== main).map((path) => ({ path, data: new Uint8Array(request.files[path]!) }));
  const model = new Uint8Array(request.files[main]!);
  const create = (ep: Backend) => lib.InferenceSession.create(model, { ...SESSION_OPTIONS, executionProviders: [ep], ...(externalData.length ? { externalData } : {}) });

  let session: Ort.InferenceSession | undefined;
  let backend: Backend = 'wasm';
  if (request.backend === 'webgpu' || request.backend === 'auto') {
    const adapter = await webgpuAdapter();
    if (adapter.ok) {
      try {
        session = await create('webgpu');
        backend = 'webgpu';
      } catch (err) {
        if (request.backend === 'webgpu') throw new OutpostRuntimeError('backend_unavailable', `${request.label} could not start on webgpu: ${(err as Error).message}`);
      }
    } else if (request.backend === 'webgpu') {
      throw new OutpostRuntimeError('backend_unavailable', `backend "webgpu" is not available here: ${adapter.reason}`);
    }
  }
  session ??= await create('wasm');

  return {
    backend,
    async run(feeds, dtypes) {
      const inputs: Record<string, Ort.Tensor> = {};
      for (const [name, { data, dims }] of Object.entries(feeds)) inputs[name] = new lib.Tensor(dtypes[name] as 'float32', data as Float32Array, dims);
      const results = await session.run(inputs);
      const outputs: Outputs = {};
      for (const name of session.outputNames) {
        const t = results[name]!;
        const raw = (t.location === 'cpu' ? t.data : await t.getData(true)) as TensorData;
        // A view into a larger buffer (or the wasm heap) is copied so it can be transferred on its own.
        const data = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw : (raw.slice() as TensorData);
        outputs[name] = { data, dims: [...t.dims], dtype: t.type };
        t.dispose();
      }
      return outputs;
    },
    dispose: () => session.release(),
  };
}
