import type { HubClient } from '../shared/client/hub-client.js';
import { KEY_RE, keyKindOf } from '../shared/ids.js';
import type { Manifest } from '../shared/schemas/registry.js';
import { cachedAsset, dropOldAssetCaches, startWorker } from './assets.js';
import { CacheInventory } from './cache/inventory.js';
import { ModelCache, type LoadProgress, type WorkerFiles } from './cache/models.js';
import { openDataset, type Dataset } from './datasets/dataset.js';
import { OutpostRuntimeError } from './errors.js';
import { deviceFeatures, type DeviceFeatures } from './features/device-features.js';
import { fetchManifest } from '../shared/client/registry.js';
import { parseModelRef } from '../shared/refs.js';
import { hubFailure, runtimeHub } from './hub.js';
import { Model, openSession, type ModelDeps } from './inference/model.js';
import { WorkerPool } from './inference/pool.js';
import type { BackendChoice, LocalChoice } from './inference/protocol.js';
import { openRemoteSession } from './inference/remote.js';
import { startBrowserRunner, type PipelineRunner, type RunnerOptions } from './pipelines/runner.js';
import { Outbox, type SyncStatus } from './sync/outbox.js';
import { TelemetryAggregator } from './telemetry/aggregator.js';
import { TelemetryJournal } from './telemetry/journal.js';
import { TrackedRun, type TrackOptions } from './track/run.js';
import type { FinetuneContext } from './training/context.js';
import { finetune, type FineTune, type FinetuneOptions } from './training/finetune.js';

export interface ConnectOptions {
  /** The hub's URL; the script-tag build defaults it to the origin /runtime.js came from. */
  hub: string;
  /** A publishable key (pk_…) on public pages; any key works. */
  key: string;
  /** Names this device in runs and telemetry; kept in localStorage when not given. */
  deviceId?: string;
  /** How often open telemetry periods are closed into the outbox (ms). */
  telemetryIntervalMs?: number;
  /**
   * true: ask the browser at connect to keep this origin's storage (models, outbox) under storage pressure
   * (`navigator.storage.persist()`; the browser decides, `op.cache.storage()` says what it decided).
   */
  persistStorage?: boolean;
}

export interface LoadOptions {
  backend?: BackendChoice;
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
  /** false: do not keep the model in IndexedDB. */
  cache?: boolean;
}

const TRAINING_WORKER = 'training-worker.js';
const PIPELINE_WORKER = 'pipeline-worker.js';
const BACKENDS = ['auto', 'webgpu', 'wasm', 'webgl', 'cpu', 'remote'];
/**
 * Failures that say nothing about the device's ability to run the model, or that the hub would only hide (a full
 * storage quota is the page's to act on: evict, or `cache: false`): `auto` does not try the hub after them.
 */
const NOT_THE_DEVICE = new Set(['offline', 'not_found', 'unauthorized', 'aborted', 'bad_ref', 'hub', 'integrity', 'quota_exceeded']);

function persistentDeviceId(): string {
  try {
    const stored = localStorage.getItem('outpost.deviceId');
    if (stored) return stored;
    const id = crypto.randomUUID();
    localStorage.setItem('outpost.deviceId', id);
    return id;
  } catch {
    return crypto.randomUUID();
  }
}

/** One connection to a hub: loads models, reads online features, tracks runs, and syncs runs, telemetry and feature pushes back. */
export class Outpost {
  readonly cache: CacheInventory;
  /** Online features, cached for offline use: `op.features(service, { driver_id: [1001] }, { maxAge })`; `op.features.push(source, rows)`. */
  readonly features: DeviceFeatures;
  private readonly models: ModelCache;
  private readonly pool: WorkerPool;
  private readonly outbox: Outbox;
  private readonly telemetry: TelemetryAggregator;
  private readonly journal: TelemetryJournal;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly listeners: [EventTarget, string, () => void][] = [];
  private readonly runners = new Set<PipelineRunner>();
  /** Publishable keys read no datasets and run no pipeline steps; op.dataset and op.runner refuse them before asking. */
  private readonly publishable: boolean;

  constructor(
    readonly hub: HubClient,
    readonly deviceId: string,
    telemetryIntervalMs: number,
    /** The key `hub` sends: pipeline steps' workers get it for `ctx.hub`. */
    private readonly key: string,
  ) {
    this.publishable = keyKindOf(key) === 'publishable';
    this.cache = new CacheInventory(hub.base);
    this.models = new ModelCache(hub, deviceId);
    this.pool = new WorkerPool(hub.base);
    this.outbox = new Outbox(hub);
    this.features = deviceFeatures(hub, this.outbox);
    this.telemetry = new TelemetryAggregator(deviceId);
    this.journal = new TelemetryJournal(hub.base, this.telemetry, this.outbox);
    this.timer = setInterval(() => void this.closeTelemetryPeriod().catch(() => {}), telemetryIntervalMs);
    if (typeof window !== 'undefined') {
      this.listen(window, 'online', () => this.outbox.nudge());
      this.listen(document, 'visibilitychange', () => {
        if (document.visibilityState === 'hidden') void this.closeTelemetryPeriod().catch(() => {});
        this.outbox.nudge();
      });
      this.listen(window, 'pagehide', () => void this.journal.save().catch(() => {}));
    }
  }

  private listen(target: EventTarget, type: string, fn: () => void) {
    target.addEventListener(type, fn);
    this.listeners.push([target, type, fn]);
  }

  private get deps(): ModelDeps {
    return { hub: this.hub, pool: this.pool, cache: this.models, telemetry: this.telemetry, journal: this.journal };
  }

  /**
   * Loads a model by ref (`name@alias`, `name/3`, or `name` = `name@production`): from IndexedDB when cached (revalidated in the
   * background; a new version is used on the next load or `model.update()`), else from the hub. `backend: 'remote'`
   * runs it on the hub (`/v2`, Node hubs); `auto` falls back to that when this device cannot load the model.
   */
  async load(ref: string, options: LoadOptions = {}): Promise<Model> {
    const backend = options.backend ?? 'auto';
    if (!BACKENDS.includes(backend)) throw new OutpostRuntimeError('backend_unavailable', `backend "${backend}" is unknown: use ${BACKENDS.join(', ')}`);
    if (backend === 'remote') return this.loadRemote(ref);
    try {
      return await this.loadLocal(ref, backend, options);
    } catch (err) {
      if (backend !== 'auto' || NOT_THE_DEVICE.has((err as OutpostRuntimeError).code)) throw err;
      return this.loadRemote(ref).catch(() => Promise.reject(err));
    }
  }

  /** The model on the hub: the ref's manifest now, then every run through `/v2` for that version. */
  private async loadRemote(ref: string): Promise<Model> {
    const manifest = await fetchManifest(this.hub, parseModelRef(ref)).catch((err) => {
      throw hubFailure(err, `could not load ${ref}`);
    });
    return new Model(this.deps, ref, { manifest: manifest!, ...(await openRemoteSession(this.hub, manifest!)) }, 'auto', 'network');
  }

  private async loadLocal(ref: string, backend: LocalChoice, options: LoadOptions): Promise<Model> {
    let pulled: WorkerFiles = await this.models.loadForWorker(ref, options);
    // A tfjs model may be fine-tuned later, perhaps offline: keep the training worker's script at hand.
    if (pulled.manifest.format === 'tfjs-layers') void cachedAsset(this.hub.base, TRAINING_WORKER).catch(() => {});
    let session: Awaited<ReturnType<typeof openSession>>;
    try {
      session = await openSession(this.deps, pulled.manifest, pulled.files, backend, pulled.verify, (failed) => this.models.drop(failed.map((f) => f.digest)));
    } catch (err) {
      if (!pulled.verify || (err as OutpostRuntimeError).code !== 'integrity') throw err;
      // A cached file is damaged: the checked path drops it and downloads it again (or says why it cannot).
      pulled = await this.models.load(ref, options);
      session = await openSession(this.deps, pulled.manifest, pulled.files, backend);
    }
    // Revalidation starts once the model is ready, so it never slows the load it follows.
    const revalidated = pulled.revalidate();
    return new Model(this.deps, ref, { manifest: pulled.manifest, ...session }, backend, pulled.source, revalidated);
  }

  /** A model from files in memory (a fresh fine-tune), with the same run and telemetry path as a loaded one. */
  async loadFromFiles(ref: string, manifest: Manifest, files: Record<string, ArrayBuffer>, backend: LocalChoice = 'auto'): Promise<Model> {
    const session = await openSession(this.deps, manifest, files, backend);
    return new Model(this.deps, ref, { manifest, ...session }, backend, 'memory');
  }

  /** Keeps files in IndexedDB under `local:<name>`, listed by `op.cache.list()`. */
  async saveLocal(name: string, manifest: Manifest, files: Record<string, ArrayBuffer>): Promise<string> {
    const ref = `local:${name}`;
    await this.models.save(ref, manifest, files, true);
    return ref;
  }

  /**
   * A dataset version by ref (`ds/3`, `ds@alias`, `ds` = latest): its manifest a page at a time and its files, verified
   * and cached for offline use (runtime/datasets/). Needs a secret key: publishable keys cannot read datasets.
   */
  dataset(ref: string): Promise<Dataset> {
    return openDataset(this.hub, ref, this.publishable);
  }

  track(options: TrackOptions = {}): TrackedRun {
    return new TrackedRun(this.outbox, options, this.deviceId);
  }

  /** Fine-tunes a tfjs-layers model in its own worker, as a run in experiment `on-device` (runtime/training/finetune.ts). */
  finetune(ref: string, options: FinetuneOptions): Promise<FineTune> {
    const context: FinetuneContext = {
      hub: this.hub,
      deviceId: this.deviceId,
      loadFiles: (r, o) => this.models.load(r, o),
      track: (o) => this.track(o),
      startTrainingWorker: () => startWorker(this.hub.base, TRAINING_WORKER, 'outpost-training'),
      loadFromFiles: (r, manifest, files, backend) => this.loadFromFiles(r, manifest, files, backend),
      saveLocal: (name, manifest, files) => this.saveLocal(name, manifest, files),
      flush: () => this.flush(),
    };
    return finetune(context, ref, options);
  }

  /**
   * Starts a pipeline runner on this device (docs/pipelines.md, "Browser runner"): it leases steps whose `runsOn`
   * labels it has (default `browser`, plus `webgpu` with a WebGPU adapter) and runs each in a Web Worker until
   * `stop()`. Needs a secret key: steps carry code and params, so a publishable key in a public page leases nothing.
   */
  async runner(options: RunnerOptions = {}): Promise<PipelineRunner> {
    if (this.publishable) {
      throw new OutpostRuntimeError('unauthorized', 'op.runner needs a secret key (sk_…): pipeline steps carry code and params, so a publishable key cannot lease them; connect with a secret key on a page only your team opens');
    }
    const runner = await startBrowserRunner(
      {
        hub: this.hub,
        key: this.key,
        deviceId: this.deviceId,
        startWorker: () => startWorker(this.hub.base, PIPELINE_WORKER, 'outpost-pipeline-step'),
        track: (o) => this.track(o),
        stopped: (r) => this.runners.delete(r),
      },
      options,
    );
    this.runners.add(runner);
    return runner;
  }

  /** Closes the open telemetry period and sends everything queued; rejects when records stay undelivered. */
  async flush(): Promise<SyncStatus> {
    await this.closeTelemetryPeriod();
    return this.outbox.flush();
  }

  status(): SyncStatus {
    return this.outbox.status();
  }

  /** Stops timers and workers; queued records stay in IndexedDB for the next connection. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    // Runners stop leasing and hand their running steps back at once.
    await Promise.all([...this.runners].map((runner) => runner.stop(0)));
    for (const [target, type, fn] of this.listeners) target.removeEventListener(type, fn);
    await this.closeTelemetryPeriod().catch(() => {});
    this.outbox.close();
    await this.pool.terminate();
  }

  private closeTelemetryPeriod(): Promise<void> {
    return this.journal.closePeriod();
  }

  /** @internal */
  async start(): Promise<void> {
    await this.journal.start();
    await this.outbox.start();
    void dropOldAssetCaches().catch(() => {});
  }
}

/** Connects to a hub. Works offline: nothing is fetched until a model is loaded or records are synced. */
export async function connect(options: ConnectOptions): Promise<Outpost> {
  if (!options || typeof options.hub !== 'string' || !/^https?:\/\//.test(options.hub)) {
    throw new OutpostRuntimeError('bad_ref', `connect needs { hub: 'https://your-hub', key } (got hub ${JSON.stringify(options?.hub)})`);
  }
  if (typeof options.key !== 'string' || !KEY_RE.test(options.key)) {
    throw new OutpostRuntimeError('unauthorized', 'connect needs an Outpost key: pk_… (publishable, for public pages) or sk_… followed by 43 characters');
  }
  const op = new Outpost(runtimeHub(options.hub, options.key), options.deviceId ?? persistentDeviceId(), options.telemetryIntervalMs ?? 60_000, options.key);
  await op.start();
  // Not awaited: Chromium may wait on a permission prompt; a refusal changes nothing but eviction under pressure.
  if (options.persistStorage) void op.cache.persist().catch(() => false);
  return op;
}
