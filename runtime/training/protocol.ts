import type { LocalChoice, WorkerConfig } from '../inference/protocol.js';

/**
 * The training worker's protocol: plain data types and the API seen through Comlink. Buffers in `files`, `x`
 * and `y` go in transferred (finetune copies the caller's x and y first unless asked to transfer them), and the
 * trained model's buffers come back transferred.
 */

/** DESIGN §10 tensor: the dtype follows the array. Training takes numeric arrays (no 64-bit integers). */
export type TrainingArray = Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;
export interface TrainingTensor {
  data: TrainingArray;
  dims: number[];
}

export type OptimizerName = 'adam' | 'sgd' | 'rmsprop';
export type LossName = 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'meanSquaredError';

/**
 * Which layers learn. `'all'` (the default); `'head'`: the last layer with weights; a number n: the last n
 * layers with weights; an array of layer names. The others keep their weights bit for bit.
 */
export type Trainable = 'all' | 'head' | number | string[];

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: OptimizerName;
  /** The last fraction of the samples is held out for val_* metrics (as Keras does: not shuffled first). */
  validationSplit: number;
  trainable: Trainable;
  /** Inferred from the output layer and y when absent (see loss.ts). */
  loss?: LossName;
  /** Shuffle the training samples every epoch (default true). */
  shuffle?: boolean;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = { epochs: 5, batchSize: 32, learningRate: 0.001, optimizer: 'adam', validationSplit: 0, trainable: 'all' };

export interface TrainRequest {
  /** The tfjs-layers model as files: model.json and its weight shards. */
  files: Record<string, ArrayBuffer>;
  x: TrainingTensor;
  y: TrainingTensor;
  options: TrainOptions;
}

/** Metrics of one batch or epoch: loss and the compiled metrics (acc or mae), val_* at epoch ends with a validation split. */
export type TrainLogs = Record<string, number>;

/** Training waits for onEpoch (so every epoch is reported before the result), never for onBatch. */
export interface TrainProgress {
  onBatch?(epoch: number, batch: number, logs: TrainLogs): void;
  onEpoch?(epoch: number, logs: TrainLogs): void | Promise<void>;
}

/** What training settled on, known before the first batch. */
export interface TrainPlan {
  backend: string;
  loss: LossName;
  metrics: string[];
  trainableLayers: string[];
  frozenLayers: string[];
  samples: { train: number; validation: number };
}

export interface TrainResult extends TrainPlan {
  /** The trained model: `model.json` (weightsManifest naming `weights.bin`) and `weights.bin`. */
  files: { 'model.json': ArrayBuffer; 'weights.bin': ArrayBuffer };
  /** Per-epoch metrics, one entry per finished epoch. */
  history: Record<string, number[]>;
  epochs: number;
}

/** A training request as the worker takes it: with the tfjs backend to run on (`auto`: webgpu → webgl → wasm → cpu). */
export interface TrainingJob extends TrainRequest {
  backend: LocalChoice;
}

/**
 * The caller's side of progress, passed as a Comlink proxy. The worker waits for `plan` and `epoch` calls
 * (they travel on another port than the result, so this keeps them ahead of it), not for `batch` calls.
 */
export interface TrainingProgressSink {
  plan(plan: TrainPlan): void | Promise<void>;
  batch(epoch: number, batch: number, logs: TrainLogs): void;
  epoch(epoch: number, logs: TrainLogs): void | Promise<void>;
}

export interface TrainingWorkerApi {
  init(config: WorkerConfig): Promise<void>;
  /** Trains and returns the trained model, its buffers transferred. Rejects with code `aborted` after cancel(): no model. */
  train(job: TrainingJob, progress: TrainingProgressSink): Promise<TrainResult>;
  /** Stops the current training after the batch it is in. */
  cancel(): void;
}
