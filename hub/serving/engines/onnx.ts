import * as ort from 'onnxruntime-node';
import type { TensorArray } from '../../../shared/serving/datatypes.js';
import type { HostTensors, InferenceEngine, LoadedModel } from '../engine.js';

/** onnxruntime keeps float16 in a Float16Array where the platform has one; the hub passes the 16-bit patterns. */
function hostData(tensor: ort.Tensor): TensorArray {
  const data = tensor.data as unknown as TensorArray;
  if (tensor.type === 'float16' && !(data instanceof Uint16Array)) return new Uint16Array(data.buffer, data.byteOffset, data.length);
  if (tensor.type === 'bool' && !(data instanceof Uint8Array)) return Uint8Array.from(data as unknown as ArrayLike<number>, Number);
  return data;
}

/**
 * The hub's session options: graph optimization `all`; `threads` intra-op threads (OUTPOST_SERVE_THREADS; null:
 * onnxruntime's default, one a core), the calling thread being one of them; threads that do not spin between runs:
 * they would hold the cores the event loop needs for the next requests (measured: +40 ms a request with a busy client
 * beside it on 2 cores).
 */
export function onnxSessionOptions(threads: number | null): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    ...(threads ? { intraOpNumThreads: threads } : {}),
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

/** ONNX on onnxruntime-node's CPU provider; the model is the version's `.onnx` file. */
export function onnxEngine(threads: number | null): InferenceEngine {
  const options = onnxSessionOptions(threads);
  return {
    async load(files, _signature, label): Promise<LoadedModel> {
      const path = Object.keys(files).find((p) => p.endsWith('.onnx')) ?? Object.keys(files)[0];
      if (!path) throw new Error(`${label} has no files`);
      const session = await ort.InferenceSession.create(files[path]!, options);
      return {
        async run(feeds, outputs) {
          const inputs: Record<string, ort.Tensor> = {};
          for (const [name, t] of Object.entries(feeds)) inputs[name] = new ort.Tensor(t.dtype as 'float32', t.data as Float32Array, t.dims);
          const result = await session.run(inputs, outputs);
          const out: HostTensors = {};
          for (const name of outputs) {
            const t = result[name]!;
            out[name] = { dtype: t.type, dims: [...t.dims], data: hostData(t) };
          }
          return out;
        },
        dispose: () => session.release(),
      };
    },
  };
}
