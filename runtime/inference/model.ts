import * as Comlink from 'comlink';
import type { Manifest, Signature } from '../../shared/schemas/registry.js';
import type { Backend } from '../../shared/schemas/telemetry.js';
import type { ModelCache } from '../cache/models.js';
import { OutpostRuntimeError } from '../errors.js';
import type { TelemetryAggregator } from '../telemetry/aggregator.js';
import type { TelemetryJournal } from '../telemetry/journal.js';
import type { WorkerPool, PooledWorker } from './pool.js';
import type { BackendChoice, CreateRequest, FileChecks } from './protocol.js';
import { checkFeeds, postable, type Feeds, type Outputs, type RunOptions } from './tensors.js';

interface Loaded {
  manifest: Manifest;
  worker: PooledWorker;
  session: number;
  backend: Backend;
}

export interface ModelDeps {
  pool: WorkerPool;
  cache: ModelCache;
  telemetry: TelemetryAggregator;
  journal: TelemetryJournal;
}

/**
 * Starts a session for a manifest's files in the right worker; buffers are transferred, not copied, and Blob
 * handles travel by reference. With `checks`, the worker hashes the very bytes it builds the session from (WebCrypto
 * works on its own thread while the session builds) and throws `integrity`, holding no session, when one fails.
 */
export async function openSession(
  deps: ModelDeps,
  manifest: Manifest,
  files: Record<string, ArrayBuffer | Blob>,
  backend: BackendChoice,
  checks?: FileChecks,
): Promise<Omit<Loaded, 'manifest'>> {
  const worker = await deps.pool.get(manifest.format === 'onnx' ? 'onnx' : `tfjs-${backend}`);
  const label = `${manifest.model} v${manifest.version}`;
  const request: CreateRequest = { format: manifest.format, files, signature: manifest.signature, backend, label, ...(checks ? { checks } : {}) };
  const buffers = Object.values(files).filter((f): f is ArrayBuffer => f instanceof ArrayBuffer);
  return { worker, ...(await worker.api.create(Comlink.transfer(request, buffers))) };
}

/** A model loaded on this device: `run` goes to its worker; every run is counted in telemetry. */
export class Model {
  private current: Loaded;
  private disposed = false;

  constructor(
    private readonly deps: ModelDeps,
    readonly ref: string,
    loaded: Loaded,
    private readonly requested: BackendChoice,
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
  get backend(): Backend {
    return this.current.backend;
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
    const { manifest, worker, session, backend } = this.current;
    const started = performance.now();
    try {
      const dtypes = checkFeeds(feeds, manifest.signature, `${manifest.model} v${manifest.version}`);
      const moved = postable(feeds, options.transfer);
      const outputs = await worker.api.run(session, Comlink.transfer(moved.tensors, moved.buffers), dtypes);
      this.recordTelemetry(performance.now() - started);
      return outputs;
    } catch (err) {
      this.recordTelemetry(null, (err as Error).message);
      throw err;
    }
  }

  /** Telemetry is about registry versions: a model that exists only on this device (a fresh or saved fine-tune) is not reported. */
  private recordTelemetry(ms: number | null, error?: string): void {
    if (this.source === 'memory' || this.ref.startsWith('local:')) return;
    const { manifest, backend } = this.current;
    this.deps.telemetry.record(manifest.model, manifest.version, backend, ms, error);
    this.deps.journal.touched();
  }

  /** Asks the hub for the ref now and switches to a newer version if there is one; true when it switched. */
  async update(): Promise<boolean> {
    const newer = await this.deps.cache.fetchNewer(this.ref, this.current.manifest.etag);
    if (!newer) return false;
    const next = await openSession(this.deps, newer.manifest, newer.files, this.requested);
    const old = this.current;
    this.current = { manifest: newer.manifest, ...next };
    await old.worker.api.dispose(old.session);
    return true;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.current.worker.api.dispose(this.current.session);
  }
}
