import type * as Tf from '@tensorflow/tfjs';
import { abortError, OutpostRuntimeError } from '../errors.js';
import { layersArtifacts } from '../inference/engines/tfjs.js';
import { inferLoss, metricsFor } from './loss.js';
import type { TrainingTensor, TrainLogs, TrainPlan, TrainProgress, TrainRequest, TrainResult } from './protocol.js';
import { serializeLayersModel } from './serialize.js';
import { applyTrainable } from './trainable.js';

function optimizerOf(tf: typeof Tf, name: string, learningRate: number): Tf.Optimizer {
  if (name === 'adam') return tf.train.adam(learningRate);
  if (name === 'sgd') return tf.train.sgd(learningRate);
  if (name === 'rmsprop') return tf.train.rmsprop(learningRate);
  throw new OutpostRuntimeError('bad_feeds', `optimizer must be 'adam', 'sgd' or 'rmsprop' (got ${JSON.stringify(name)})`);
}

function checkOptions({ options, x, y }: TrainRequest) {
  const bad = (what: string) => new OutpostRuntimeError('bad_feeds', what);
  if (!Number.isInteger(options.epochs) || options.epochs < 1) throw bad(`epochs must be a whole number ≥ 1 (got ${options.epochs})`);
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw bad(`batchSize must be a whole number ≥ 1 (got ${options.batchSize})`);
  if (!(options.learningRate > 0)) throw bad(`learningRate must be > 0 (got ${options.learningRate})`);
  if (!(options.validationSplit >= 0 && options.validationSplit < 1)) throw bad(`validationSplit must be in [0, 1) (got ${options.validationSplit})`);
  for (const [name, t] of [['x', x], ['y', y]] as const) {
    const size = t.dims.reduce((a, b) => a * b, 1);
    if (!t.dims.length || size !== t.data.length) throw bad(`${name} has ${t.data.length} values but dims [${t.dims.join(', ')}] make ${size}`);
  }
  if (x.dims[0] !== y.dims[0]) throw bad(`x has ${x.dims[0]} samples but y has ${y.dims[0]}`);
}

/** One macrotask, without the 4 ms clamp nested timers get. */
function yields(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

const numericLogs = (logs: Record<string, unknown> | undefined): TrainLogs =>
  Object.fromEntries(Object.entries(logs ?? {}).filter(([k, v]) => typeof v === 'number' && k !== 'batch' && k !== 'size')) as TrainLogs;

/**
 * Fine-tunes a tfjs-layers model held as files on whatever backend `tf` runs, and returns it as files
 * (model.json + weights.bin) with its per-epoch history. Cancelling through `signal` stops after the current
 * batch and rejects with code `aborted`: no model comes back.
 */
export async function fineTuneLayersModel(
  tf: typeof Tf,
  request: TrainRequest,
  progress: TrainProgress & { onPlan?(plan: TrainPlan): void | Promise<void> } = {},
  signal?: AbortSignal,
): Promise<TrainResult> {
  checkOptions(request);
  const { options } = request;
  const model = await tf.loadLayersModel(tf.io.fromMemory(layersArtifacts(request.files)));
  const tensors: Tf.Tensor[] = [];
  try {
    const loss = options.loss ?? inferLoss(model, request.y);
    const metrics = metricsFor(loss);
    const layers = applyTrainable(model, options.trainable);
    model.compile({ optimizer: optimizerOf(tf, options.optimizer, options.learningRate), loss, metrics });
    const x = tf.tensor(Float32Array.from(request.x.data), request.x.dims, 'float32');
    const y = targetOf(tf, request.y, loss);
    tensors.push(x, y);
    const n = request.x.dims[0]!;
    const validation = Math.floor(n * options.validationSplit);
    const plan: TrainPlan = { backend: tf.getBackend(), loss, metrics, ...layers, samples: { train: n - validation, validation } };
    await progress.onPlan?.(plan);
    let epochsDone = 0;
    const history: Record<string, number[]> = {};
    await model.fit(x, y, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      validationSplit: options.validationSplit,
      shuffle: options.shuffle ?? true,
      verbose: 0,
      callbacks: {
        onBatchEnd: async (batch, logs) => {
          progress.onBatch?.(epochsDone, batch, numericLogs(logs));
          // A macrotask between batches lets the worker take a cancel message.
          await yields();
          if (signal?.aborted) model.stopTraining = true;
        },
        onEpochEnd: async (epoch, logs) => {
          if (signal?.aborted) return; // a cut-short epoch is not reported
          const entry = numericLogs(logs);
          for (const [k, v] of Object.entries(entry)) (history[k] ??= []).push(v);
          epochsDone = epoch + 1;
          await progress.onEpoch?.(epoch, entry);
        },
      },
    });
    if (signal?.aborted) throw abortError('fine-tuning');
    // The saved model is an ordinary one again: which layers learned is part of the run, not of the model.
    for (const layer of model.layers) layer.trainable = true;
    const files = await serializeLayersModel(model, tf);
    return { ...plan, files, history, epochs: epochsDone };
  } finally {
    for (const t of tensors) t.dispose();
    model.optimizer?.dispose();
    model.dispose();
  }
}

/** y as the loss wants it: integer labels as an [n, 1] column for the sparse loss, floats otherwise. */
function targetOf(tf: typeof Tf, y: TrainingTensor, loss: string): Tf.Tensor {
  if (loss === 'sparseCategoricalCrossentropy') return tf.tensor(Float32Array.from(y.data), [y.dims[0]!, 1], 'float32');
  return tf.tensor(Float32Array.from(y.data), y.dims, 'float32');
}
