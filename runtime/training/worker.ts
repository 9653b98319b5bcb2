import * as Comlink from 'comlink';
import { OutpostRuntimeError } from '../errors.js';
import { loadTfjs, useTfjsBackend } from '../inference/engines/tfjs.js';
import { installErrorTransfer, type WorkerConfig } from '../inference/protocol.js';
import type { TrainingProgressSink, TrainingWorkerApi } from './protocol.js';
import { fineTuneLayersModel } from './train.js';

/** The training worker (`/runtime/training-worker.js`): one fine-tune at a time, off the page's main thread. */
installErrorTransfer();
let config: WorkerConfig | undefined;
let current: AbortController | undefined;

// Batch progress goes out without waiting for the page: training does not stall on a busy main thread.
const send = (call: () => Promise<void> | void) => void Promise.resolve().then(call).catch(() => undefined);

const api: TrainingWorkerApi = {
  async init(c) {
    config = c;
  },
  async train(job, progress: Comlink.Remote<TrainingProgressSink>) {
    if (!config) throw new Error('training worker used before init');
    if (current) throw new OutpostRuntimeError('unsupported', 'this training worker is already fine-tuning: start another worker for a second fine-tune');
    const controller = (current = new AbortController());
    try {
      const tfjs = await loadTfjs(config);
      const { tf } = tfjs;
      await useTfjsBackend(tfjs, job.backend);
      const result = await fineTuneLayersModel(
        tf,
        job,
        {
          onPlan: (plan) => progress.plan(plan),
          onBatch: (epoch, batch, logs) => send(() => progress.batch(epoch, batch, logs)),
          onEpoch: (epoch, logs) => progress.epoch(epoch, logs),
        },
        controller.signal,
      );
      return Comlink.transfer(result, [result.files['model.json'], result.files['weights.bin']]);
    } finally {
      current = undefined;
    }
  },
  cancel() {
    current?.abort();
  },
};

Comlink.expose(api);
