import * as Comlink from 'comlink';
import { sha256Digest } from '../../shared/digest.js';
import type { Manifest, ManifestFile } from '../../shared/schemas/registry.js';
import type { DeviceBackend as Backend } from '../inference/protocol.js';
import { formatRef } from '../../shared/refs.js';
import { RUNTIME_BUILD } from '../assets.js';
import { datasetRef } from '../datasets/version.js';
import { OutpostRuntimeError, throwIfAborted } from '../errors.js';
import type { Model } from '../inference/model.js';
import { installErrorTransfer, type LocalChoice } from '../inference/protocol.js';
import { postable } from '../inference/tensors.js';
import type { FinetuneContext } from './context.js';
import { DEFAULT_TRAIN_OPTIONS, type LossName, type OptimizerName, type Trainable, type TrainingTensor, type TrainingWorkerApi, type TrainLogs, type TrainOptions, type TrainPlan } from './protocol.js';
import { publishFineTune, type PublishOptions, type Published } from './publish.js';

export interface FinetuneOptions {
  /** Inputs and labels (DESIGN §10 tensors), copied to the training worker so your arrays stay usable. */
  x: TrainingTensor;
  y: TrainingTensor;
  /** Transfer x's and y's buffers to the training worker instead of copying them: no copy, but your arrays are detached afterwards. */
  transfer?: boolean;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  optimizer?: OptimizerName;
  validationSplit?: number;
  /** 'all' (default), 'head' (the last layer with weights), a number of last layers with weights, or layer names. */
  trainable?: Trainable;
  /** Default: inferred (softmax + one-hot → categorical, + integer labels → sparse categorical, else mean squared error). */
  loss?: LossName;
  shuffle?: boolean;
  /** The tfjs backend to train on (and to run the result on): 'auto' tries webgpu → webgl → wasm → cpu. */
  backend?: LocalChoice;
  /**
   * The dataset version x and y came from (`ds/3`, or a handle from op.dataset): recorded as the run's input with
   * context `training`, so the version's lineage lists the run. `ds.tensors()` sets it: spread its result into the options.
   */
  dataset?: string | { ref: string };
  /** The run's experiment (default `on-device`), name and tags. */
  experiment?: string;
  runName?: string;
  tags?: Record<string, string>;
  onEpoch?: (epoch: number, logs: TrainLogs) => void;
  onBatch?: (batch: number, logs: TrainLogs, epoch: number) => void;
  /** Aborting stops training after the current batch: the promise rejects with code `aborted`, the run ends KILLED. */
  signal?: AbortSignal;
}

/** A finished fine-tune: the model ready for inference, its run and history, and ways to keep it. */
export interface FineTune {
  /** Named `<base>-finetune`, with the base's version, until published. */
  model: Model;
  run: { id: string };
  history: Record<string, number[]>;
  /** The backend training ran on. */
  backend: Backend;
  base: { ref: string; model: string; version: number };
  /** Keeps the fine-tuned model in IndexedDB as `local:<name>` (listed by op.cache.list()); returns that ref. */
  save(name: string): Promise<string>;
  /** Uploads the weights and registers a version with base version and run as lineage (see PublishOptions). */
  publish(options?: PublishOptions): Promise<Published>;
}

const ONNX_REFUSAL = (ref: string) => `${ref} is an ONNX model: ONNX models cannot be fine-tuned in the browser; fine-tune a tfjs-layers model`;

/** What the run records about this device. */
function deviceParams(deviceId: string): Record<string, string | number> {
  const nav = typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { deviceMemory?: number });
  return {
    'device.id': deviceId,
    ...(nav?.userAgent ? { 'device.userAgent': nav.userAgent.slice(0, 500) } : {}),
    ...(nav?.hardwareConcurrency ? { 'device.cores': nav.hardwareConcurrency } : {}),
    ...(nav?.deviceMemory ? { 'device.memoryGB': nav.deviceMemory } : {}),
  };
}

/** The `dataset` option as a ref, checked before any run is made. */
export function trainingDataset(dataset: FinetuneOptions['dataset']): string | undefined {
  if (dataset === undefined) return undefined;
  const ref = typeof dataset === 'string' ? dataset : dataset?.ref;
  if (typeof ref !== 'string') throw new OutpostRuntimeError('bad_ref', `dataset: give a dataset ref such as "ds/3" or a handle from op.dataset (got ${JSON.stringify(dataset)})`);
  return formatRef(datasetRef(ref));
}

const copyOf = (files: Record<string, ArrayBuffer>) => Object.fromEntries(Object.entries(files).map(([p, b]) => [p, b.slice(0)]));

/**
 * `op.finetune(ref, options)`: trains a tfjs-layers model from the registry in its own Web Worker, as a tracked run
 * in experiment `on-device` (params, per-epoch metrics, FINISHED / KILLED / FAILED) that syncs through the outbox.
 */
export async function finetune(ctx: FinetuneContext, ref: string, options: FinetuneOptions): Promise<FineTune> {
  if (!options?.x?.data || !options?.y?.data) throw new OutpostRuntimeError('bad_feeds', 'finetune needs { x: { data, dims }, y: { data, dims } }');
  const { signal } = options;
  const dataset = trainingDataset(options.dataset);
  throwIfAborted(signal, 'fine-tuning');
  const { manifest, files } = await ctx.loadFiles(ref, { signal });
  if (manifest.format !== 'tfjs-layers') throw new OutpostRuntimeError('unsupported', ONNX_REFUSAL(ref));
  throwIfAborted(signal, 'fine-tuning');

  const train: TrainOptions = {
    epochs: options.epochs ?? DEFAULT_TRAIN_OPTIONS.epochs,
    batchSize: options.batchSize ?? DEFAULT_TRAIN_OPTIONS.batchSize,
    learningRate: options.learningRate ?? DEFAULT_TRAIN_OPTIONS.learningRate,
    optimizer: options.optimizer ?? DEFAULT_TRAIN_OPTIONS.optimizer,
    validationSplit: options.validationSplit ?? DEFAULT_TRAIN_OPTIONS.validationSplit,
    trainable: options.trainable ?? DEFAULT_TRAIN_OPTIONS.trainable,
    ...(options.loss ? { loss: options.loss } : {}),
    ...(options.shuffle !== undefined ? { shuffle: options.shuffle } : {}),
  };
  const backend = options.backend ?? 'auto';
  const base = { ref, model: manifest.model, version: manifest.version };
  const run = ctx.track({
    experiment: options.experiment ?? 'on-device',
    name: options.runName ?? `finetune ${base.model}/${base.version}`,
    params: {
      ...train,
      trainable: JSON.stringify(train.trainable),
      shuffle: train.shuffle ?? true,
      backendRequested: backend,
      'base.ref': ref,
      'base.model': base.model,
      'base.version': base.version,
      samples: options.x.dims[0] ?? 0,
      ...(dataset ? { dataset } : {}),
      ...deviceParams(ctx.deviceId),
    },
    tags: { 'outpost.kind': 'finetune', ...options.tags },
  });
  if (dataset) run.logDatasets([{ ref: dataset, context: 'training' }]);

  installErrorTransfer();
  let worker: Worker | undefined;
  let api: Comlink.Remote<TrainingWorkerApi> | undefined;
  const cancel = () => void api?.cancel().catch(() => undefined);
  try {
    worker = await ctx.startTrainingWorker();
    api = Comlink.wrap<TrainingWorkerApi>(worker);
    await api.init({ assetBase: ctx.hub.base, build: RUNTIME_BUILD });
    throwIfAborted(signal, 'fine-tuning');
    // From here to api.train nothing awaits, so an abort either came before (thrown above) or reaches a worker that is training.
    signal?.addEventListener('abort', cancel);
    const { tensors, buffers } = postable({ x: options.x, y: options.y }, options.transfer);
    const job = { files, x: tensors.x!, y: tensors.y!, options: train, backend };
    const sink = {
      plan(p: TrainPlan) {
        run.logParams({ backend: p.backend, loss: p.loss, trainableLayers: p.trainableLayers.join(','), 'samples.train': p.samples.train, 'samples.validation': p.samples.validation });
      },
      epoch(epoch: number, logs: TrainLogs) {
        run.log(logs, epoch);
        options.onEpoch?.(epoch, logs);
      },
      batch(epoch: number, batch: number, logs: TrainLogs) {
        options.onBatch?.(batch, logs, epoch);
      },
    };
    const result = await api.train(Comlink.transfer(job, [...Object.values(files), ...buffers]), Comlink.proxy(sink));
    const manifestFiles: ManifestFile[] = [];
    for (const [path, data] of Object.entries(result.files)) manifestFiles.push({ path, digest: await sha256Digest(data), size: data.byteLength });
    const local: Manifest = {
      model: `${base.model}-finetune`,
      version: base.version,
      format: 'tfjs-layers',
      signature: manifest.signature,
      files: manifestFiles,
      etag: `"local/${run.id}"`,
      lineage: { runId: run.id, baseModel: base.model, baseVersion: base.version },
    };
    const model = await ctx.loadFromFiles(`local:${run.id}`, local, copyOf(result.files), backend);
    await run.finish('FINISHED');
    const last = Object.fromEntries(Object.entries(result.history).map(([k, v]) => [k, v[v.length - 1]!]));
    return {
      model,
      run: { id: run.id },
      history: result.history,
      backend: result.backend as Backend,
      base,
      save: (name) => ctx.saveLocal(name, local, copyOf(result.files)),
      publish: (publishOptions) => publishFineTune(ctx, { files: result.files, manifestFiles, base, runId: run.id, metrics: last }, publishOptions),
    };
  } catch (err) {
    const aborted = (err as OutpostRuntimeError).code === 'aborted' || signal?.aborted;
    if (!aborted) run.setTags({ 'outpost.error': String((err as Error)?.message ?? err).slice(0, 1000) });
    await run.finish(aborted ? 'KILLED' : 'FAILED');
    if (aborted && (err as OutpostRuntimeError).code !== 'aborted') throw new OutpostRuntimeError('aborted', 'fine-tuning was aborted', { cause: err });
    throw err;
  } finally {
    signal?.removeEventListener('abort', cancel);
    worker?.terminate();
  }
}
