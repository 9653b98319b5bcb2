import type * as Tf from '@tensorflow/tfjs';
import { layersArtifacts } from '../../../runtime/inference/engines/tfjs.js';
import type { HostTensors, InferenceEngine, LoadedModel } from '../engine.js';

let tfjs: Promise<typeof Tf> | undefined;

/** tfjs in pure JavaScript (its cpu backend), imported on the first tfjs model so an ONNX-only hub never pays for it. */
function loadTf(): Promise<typeof Tf> {
  tfjs ??= import('@tensorflow/tfjs').then(async (tf) => {
    await tf.setBackend('cpu');
    await tf.ready();
    return tf;
  });
  return tfjs;
}

/** tfjs-layers models on tfjs in Node, read from the version's model.json and weight shards (the runtime's reader). */
export const tfjsEngine: InferenceEngine = {
  async load(files, signature): Promise<LoadedModel> {
    const tf = await loadTf();
    const buffers = Object.fromEntries(Object.entries(files).map(([p, b]) => [p, b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer]));
    const model = await tf.loadLayersModel(tf.io.fromMemory(layersArtifacts(buffers)));
    return {
      async run(feeds, outputs) {
        const xs = signature.inputs.map((spec) => tf.tensor(feeds[spec.name]!.data as Float32Array, feeds[spec.name]!.dims, spec.dtype === 'int32' ? 'int32' : 'float32'));
        try {
          const ys = model.predict(xs.length === 1 ? xs[0]! : xs);
          const list = Array.isArray(ys) ? ys : [ys];
          const out: HostTensors = {};
          for (const [i, y] of list.entries()) {
            const name = signature.outputs[i]?.name ?? `output_${i}`;
            if (outputs.includes(name)) out[name] = { dtype: y.dtype, dims: [...y.shape], data: (await y.data()) as Float32Array };
            y.dispose();
          }
          return out;
        } finally {
          for (const x of xs) x.dispose();
        }
      },
      async dispose() {
        model.dispose();
      },
    };
  },
};
