import type { Manifest } from '../../shared/schemas/registry.js';
import type { HubClient } from '../../shared/client/hub-client.js';
import type { Model } from '../inference/model.js';
import type { LocalChoice } from '../inference/protocol.js';
import type { SyncStatus } from '../sync/outbox.js';
import type { TrackedRun, TrackOptions } from '../track/run.js';

/** What a fine-tune needs from its connection (runtime/connect.ts makes one per `op.finetune` call). */
export interface FinetuneContext {
  hub: HubClient;
  deviceId: string;
  /** The ref's manifest and files, verified: from IndexedDB when cached, else from the hub (and then cached). */
  loadFiles(ref: string, options: { signal?: AbortSignal }): Promise<{ manifest: Manifest; files: Record<string, ArrayBuffer> }>;
  /** A run through the outbox: works offline, reaches the hub exactly once. */
  track(options: TrackOptions): TrackedRun;
  /** A fresh training worker (`/runtime/training-worker.js`); the fine-tune terminates it when done. */
  startTrainingWorker(): Promise<Worker>;
  /** An inference model from files in memory; the buffers are transferred. */
  loadFromFiles(ref: string, manifest: Manifest, files: Record<string, ArrayBuffer>, backend: LocalChoice): Promise<Model>;
  /** Keeps files in IndexedDB as `local:<name>`, listed with the cached models. */
  saveLocal(name: string, manifest: Manifest, files: Record<string, ArrayBuffer>): Promise<string>;
  /** Sends the outbox now; rejects when records stay undelivered. */
  flush(): Promise<SyncStatus>;
}
