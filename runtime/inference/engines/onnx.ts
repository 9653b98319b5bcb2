import type * as Ort from 'onnxruntime-web';
import type { DeviceBackend as Backend } from '../protocol.js';
import { cachedAsset, importAsset } from '../../assets.js';
import { OutpostRuntimeError } from '../../errors.js';
import type { CreateSession, DeviceLoadPath, WorkerConfig } from '../protocol.js';
import type { Feeds, Outputs, TensorData } from '../tensors.js';
import { webgpuAdapter } from './gpu.js';
import { readIntoHeap, startOrt } from './ort-heap.js';
import { readOpfsBytes } from '../../cache/opfs.js';

/**
 * onnxruntime-web's two builds: JSEP (WebGPU and wasm, a 28 MB wasm) and plain wasm (14 MB). A worker loads the plain
 * one unless it is about to try WebGPU, so devices without WebGPU never download the JSEP wasm.
 */
export const ORT_FILES = {
  jsep: { module: 'ort/ort.bundle.min.mjs', wasm: 'ort/ort-wasm-simd-threaded.jsep.wasm' },
  plain: { module: 'ort/ort.wasm.bundle.min.mjs', wasm: 'ort/ort-wasm-simd-threaded.wasm' },
} as const;
export type OrtBuild = keyof typeof ORT_FILES;

const ort: Partial<Record<OrtBuild, Promise<typeof Ort>>> = {};

/** onnxruntime-web from the hub's own files (Cache API first): no CDN, and it starts offline once cached. */
function loadOrt(config: WorkerConfig, build: OrtBuild): Promise<typeof Ort> {
  const loading = (ort[build] ??= (async () => {
    const files = ORT_FILES[build];
    const mod = await importAsset<typeof Ort>(config.assetBase, files.module);
    mod.env.wasm.wasmBinary = await (await cachedAsset(config.assetBase, files.wasm)).arrayBuffer();
    // Threads need SharedArrayBuffer, which only cross-origin isolated pages (COOP + COEP) have.
    mod.env.wasm.numThreads = self.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
    mod.env.wasm.proxy = false;
    // Its wasm starts now rather than in the first load's create, and its heap is caught for reading files into (ort-heap.ts).
    await startOrt(mod);
    return mod;
  })());
  loading.catch(() => delete ort[build]);
  return loading;
}

export interface OnnxSession {
  backend: Backend;
  run(feeds: Feeds, dtypes: Record<string, string>): Promise<Outputs>;
  dispose(): Promise<void>;
}

/** Session options shared with the bench baseline, so the two differ only by the runtime around them. */
export const SESSION_OPTIONS = { graphOptimizationLevel: 'all' } as const;

/** The file an ONNX session is built from; the others are its external data. */
export const onnxMainPath = (paths: string[]) => paths.find((p) => p.endsWith('.onnx')) ?? paths[0]!;

/**
 * The model file when it is an OPFS file the engine reads itself: into the heap of the onnxruntime build it picks
 * (ort-heap.ts), or into a buffer where that heap is not to be had. `placed` is set once read (bytes null when the
 * file is gone; `into` says where), for the caller's check, and `release` must be called once the check is done.
 */
export interface OpfsModel {
  opfs: string;
  placed?: { bytes: Uint8Array | null; into: DeviceLoadPath; release(): void };
}

export async function createOnnxSession(config: WorkerConfig, request: CreateSession, opfsModel?: OpfsModel): Promise<OnnxSession> {
  if (request.backend === 'webgl' || request.backend === 'cpu') {
    throw new OutpostRuntimeError('backend_unavailable', `backend "${request.backend}" does not run ONNX models: use "webgpu", "wasm" or "auto"`);
  }
  const paths = Object.keys(request.files);
  const main = opfsModel ? undefined : onnxMainPath(paths);
  const externalData = paths.filter((p) => p !== main).map((path) => ({ path, data: new Uint8Array(request.files[path]!) }));
  const modelFor = async (lib: typeof Ort): Promise<Uint8Array> => {
    if (!opfsModel) return new Uint8Array(request.files[main!]!);
    if (!opfsModel.placed) {
      const heap = await readIntoHeap(lib, opfsModel.opfs);
      const buffer = heap ? null : await readOpfsBytes(opfsModel.opfs).catch(() => null);
      opfsModel.placed = heap ? { ...heap, into: 'heap' } : { bytes: buffer && new Uint8Array(buffer), into: 'buffer', release() {} };
    }
    if (!opfsModel.placed.bytes) throw new OutpostRuntimeError('integrity', `${request.label}: its cached model file is missing from the browser’s storage`);
    return opfsModel.placed.bytes;
  };
  const create = async (lib: typeof Ort, ep: Backend) =>
    lib.InferenceSession.create(await modelFor(lib), { ...SESSION_OPTIONS, executionProviders: [ep], ...(externalData.length ? { externalData } : {}) });

  let session: Ort.InferenceSession | undefined;
  let backend: Backend = 'wasm';
  // The JSEP build only when WebGPU is both wanted and there; a worker that already has it uses it for wasm too.
  let lib: typeof Ort | undefined;
  if (request.backend === 'webgpu' || request.backend === 'auto') {
    const adapter = await webgpuAdapter();
    if (adapter.ok) {
      lib = await loadOrt(config, 'jsep');
      try {
        session = await create(lib, 'webgpu');
        backend = 'webgpu';
      } catch (err) {
        if (request.backend === 'webgpu') throw new OutpostRuntimeError('backend_unavailable', `${request.label} could not start on webgpu: ${(err as Error).message}`);
      }
    } else if (request.backend === 'webgpu') {
      throw new OutpostRuntimeError('backend_unavailable', `backend "webgpu" is not available here: ${adapter.reason}`);
    }
  }
  lib ??= await (ort.jsep ?? loadOrt(config, 'plain'));
  session ??= await create(lib, 'wasm');
  const tensors = lib;

  return {
    backend,
    async run(feeds, dtypes) {
      const inputs: Record<string, Ort.Tensor> = {};
      for (const [name, { data, dims }] of Object.entries(feeds)) inputs[name] = new tensors.Tensor(dtypes[name] as 'float32', data as Float32Array, dims);
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
