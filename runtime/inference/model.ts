import * as Comlink from 'comlink';
import type { HubClient } from '../../shared/client/hub-client.js';
import { fetchManifest } from '../../shared/client/registry.js';
import { parseModelRef } from '../../shared/refs.js';
import type { Manifest, Signature } from '../../shared/schemas/registry.js';
import type { ModelCache } from '../cache/models.js';
import { OutpostRuntimeError } from '../errors.js';
import type { TelemetryAggregator } from '../telemetry/aggregator.js';
import type { TelemetryJournal } from '../telemetry/journal.js';
import type { WorkerPool } from './pool.js';
import { damagedFilesError, type CreateRequest, type FailedCheck, type FileChecks, type LoadPath, type LocalChoice, type ModelBackend, type WorkerFile } from './protocol.js';
import { openRemoteSession } from './remote.js';
import { checkFeeds, postable, type Feeds, type Outputs, type RunOptions } from './tensors.js';

/** Where a loaded model runs: a session in a worker on this device, or the hub's `/v2` endpoint. */
export interface ModelSession {
  backend: ModelBackend;
  loadPath: LoadPath;
  /** Runs checked feeds; `transfer` hands the feeds' buffers over instead of copying them (worker sessions). */
  run(feeds: Feeds, dtypes: Record<string, string>, transfer?: boolean): Promise<Outputs>;
  dispose(): Promise<void>;
  /** Cache hits: settles once the stored files passed their check, rejecting with `integrity` when one failed. */
  verified?: Promise<void>;
}

interface Loaded extends ModelSession {
  manifest: Manifest;
}

export interface ModelDeps {
  hub: HubClient;
  pool: WorkerPool;
  cache: ModelCache;
  telemetry: TelemetryAggregator;
  journal: TelemetryJournal;
}

/**
 * Starts a session for a manifest's files in the right worker; buffers are transferred, not copied, Blob handles travel
 * by reference, and OPFS files go by name (the worker reads them). With `checks`, the worker hashes the very bytes it
 * builds the session from, on WebCrypto's thread while the session builds; `create` throws `integrity` when the build
 * fails and a check too, and otherwise returns before the check ends: `verified` settles when it does, after
 * `onDamaged` has dropped the damaged files, and the worker runs the session only once it passed.
 */
export async function openSession(
  deps: ModelDeps,
  manifest: Manifest,
  files: Record<string, WorkerFile>,
  backend: LocalChoice,
  checks?: FileChecks,
  onDamaged?: (failed: FailedCheck[]) => Promise<void>,
): Promise<ModelSession> {
  const worker = await deps.pool.get(manifest.format === 'onnx' ? 'onnx' : `tfjs-${backend}`);
  const label = `${manifest.model} v${manifest.version}`;
  const request: CreateRequest = { format: manifest.format, files, signature: manifest.signature, backend, label, ...(checks ? { checks } : {}) };
  const buffers = Object.values(files).filter((f): f is ArrayBuffer => f instanceof ArrayBuffer);
  const created = await worker.api.create(Comlink.transfer(request, buffers));
  const verified = checks
    ? worker.api.failedChecks(created.session).then(async (failed) => {
        if (!failed.length) return;
        await onDamaged?.(failed);
        throw damagedFilesError(label, failed);
      })
    : undefined;
  // Observed here so a page that never runs the model sees no unhandled rejection; `run` awaits it again.
  verified?.catch(() => {});
  return {
    backend: created.backend,
    loadPath: created.loadPath,
    verified,
    run(feeds, dtypes, transfer) {
      const moved = postable(feeds, transfer);
      return worker.api.run(created.session, Comlink.transfer(moved.tensors, moved.buffers), dtypes);
    },
    dispose: () => worker.api.dispose(created.session),
  };
}

/** A model loaded on this device: `run` goes to its worker; every run is counted in telemetry. */
export class Model {
  private current: Loaded;
  private disposed = false;

  constructor(
    private readonly deps: ModelDeps,
    readonly ref: string,
    loaded: Loaded,
    private readonly requested: LocalChoice,
    /** Whether the files came from IndexedDB or the network this time. */
    readonly source: 'cache' | 'network' | 'memory',
    /** After a cache hit: resolves true once a newer version of the ref is stored for the next load. */
    readonly revalidated: Promise<boolean> = Promise.resolve(false),
  ) {
    this.current = loaded;
  }

  get name(): string {
    return this.current.manifest.model;
  }
  get version(): number {
    return this.current.manifest.version;
  }
  get format(): Manifest['format'] {
    return this.current.manifest.format;
  }
  /** The device backend it runs on, or 'remote' when the hub runs it. */
  get backend(): ModelBackend {
    return this.current.backend;
  }
  /** How its model file reached the engine this time: 'heap', 'buffer', or 'remote' (see LoadPath). */
  get loadPath(): LoadPath {
    return this.current.loadPath;
  }
  get signature(): Signature {
    return this.current.manifest.signature;
  }
  get manifest(): Manifest {
    return this.current.manifest;
  }

  /**
   * Runs the model. Inputs are copied to the worker, so the arrays you pass stay usable; with `{ transfer: true }`
   * their buffers are transferred instead (no copy; your arrays are detached afterwards). Outputs come back transferred.
   */
  async run(feeds: Feeds, options: RunOptions = {}): Promise<Outputs> {
    if (this.disposed) throw new OutpostRuntimeError('disposed', `${this.name} v${this.version} was disposed: load it again`);
    const current = this.current;
    const { manifest } = current;
    const started = performance.now();
    try {
      const dtypes = checkFeeds(feeds, manifest.signature, `${manifest.model} v${manifest.version}`);
      // The worker refuses too; waiting here also lets a damaged file be dropped before the caller hears of it.
      await current.verified;
      const outputs = await current.run(feeds, dtypes, options.transfer);
      this.recordTelemetry(performance.now() - started);
      return outputs;
    } catch (err) {
      this.recordTelemetry(null, (err as Error).message);
      throw err;
    }
  }

  /**
   * Telemetry is about registry versions: a model that exists only on this device (a fresh or saved fine-tune) is not
   * reported, and a remote model is counted by the hub itself (backend `server`).
   */
  private recordTelemetry(ms: number | null, error?: string): void {
    if (this.source === 'memory' || this.ref.startsWith('local:')) return;
    const { manifest, backend } = this.current;
    if (backend === 'remote') return;
    this.deps.telemetry.record(manifest.model, manifest.version, backend, ms, error);
    this.deps.journal.touched();
  }

  /** Asks the hub for the ref now and switches to a newer version if there is one; true when it switched. */
  async update(): Promise<boolean> {
    const old = this.current;
    let next: Loaded;
    if (old.backend === 'remote') {
      const manifest = await fetchManifest(this.deps.hub, parseModelRef(this.ref), { etag: old.manifest.etag });
      if (!manifest) return false;
      next = { manifest, ...(await openRemoteSession(this.deps.hub, manifest)) };
    } else {
      const newer = await this.deps.cache.fetchNewer(this.ref, old.manifest.etag);
      if (!newer) return false;
      next = { manifest: newer.manifest, ...(await openSession(this.deps, newer.manifest, newer.files, this.requested)) };
    }
    this.current = next;
    await old.dispose();
    return true;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.current.dispose();
  }
}
