import * as Comlink from 'comlink';
import { RUNTIME_BUILD, startWorker } from '../assets.js';
import { installErrorTransfer, type InferenceWorkerApi } from './protocol.js';

export interface PooledWorker {
  worker: Worker;
  api: Comlink.Remote<InferenceWorkerApi>;
}

/**
 * The inference workers of one connection: one per engine, started on first use and shared by its models, so
 * onnxruntime and tfjs initialise once. tfjs holds one backend per worker, so each named tfjs backend gets its own.
 */
export class WorkerPool {
  private readonly workers = new Map<string, Promise<PooledWorker>>();
  constructor(private readonly assetBase: string) {
    installErrorTransfer();
  }

  get(key: string): Promise<PooledWorker> {
    let entry = this.workers.get(key);
    if (!entry) {
      entry = (async () => {
        const worker = await startWorker(this.assetBase, 'inference-worker.js', `outpost-inference-${key}`);
        const api = Comlink.wrap<InferenceWorkerApi>(worker);
        await api.init({ assetBase: this.assetBase, build: RUNTIME_BUILD });
        return { worker, api };
      })();
      entry.catch(() => this.workers.delete(key));
      this.workers.set(key, entry);
    }
    return entry;
  }

  async terminate(): Promise<void> {
    for (const entry of this.workers.values()) (await entry.catch(() => undefined))?.worker.terminate();
    this.workers.clear();
  }
}
