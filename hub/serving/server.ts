import { readWholeBlob } from '../blobs/access.js';
import type { BlobStore } from '../blobs/store.js';
import type { Db } from '../db/client.js';
import type { ModelVersionRow, RegisteredModelRow } from '../db/schema.js';
import { batchable, DynamicBatcher } from './batcher.js';
import { batchingFor, type ServingConfig } from './config.js';
import type { Engines, ServedFormat } from './engine.js';
import { InferenceError, type InferRequest } from './protocol.js';
import { readInputs } from './request.js';
import { encodeResponse, type EncodedResponse } from './response.js';
import { SessionCache, type Served } from './sessions.js';
import { ServerTelemetry } from './telemetry.js';

/** The version a request resolved to (the alias read on this very request). */
export interface ResolvedVersion {
  model: RegisteredModelRow;
  version: ModelVersionRow;
}

const labelOf = ({ model, version }: ResolvedVersion) => `model "${model.name}" v${version.version}`;

/**
 * Runs registry versions for the `/v2` routes (Node only: the entry gives it the engines). Versions load on first
 * use, stay in an LRU bounded in bytes, and batch dynamically when their signature allows it.
 */
export class ModelServer {
  readonly sessions: SessionCache;
  readonly telemetry: ServerTelemetry;

  constructor(
    private readonly deps: { db: Db; blobs: BlobStore; engines: Engines; config: ServingConfig },
  ) {
    this.sessions = new SessionCache(deps.config.memoryBytes);
    this.telemetry = new ServerTelemetry(deps.db, deps.config.telemetryFlushMs);
  }

  /** The refs OUTPOST_SERVE names, for the entry to load at start. */
  get preload(): string[] {
    return this.deps.config.preload;
  }

  /** Loads the version unless it is in memory; the lease keeps it from being disposed while used. */
  private acquire(resolved: ResolvedVersion) {
    const { model, version } = resolved;
    const label = labelOf(resolved);
    const engine = this.deps.engines[version.format as ServedFormat];
    if (!engine) throw new InferenceError(400, `${label} is ${version.format}, which this hub does not serve`);
    const bytes = version.files.reduce((n, f) => n + f.size, 0);
    return this.sessions.acquire(`${model.id}/${version.version}`, bytes, label, async (): Promise<Served> => {
      const files: Record<string, Uint8Array> = {};
      for (const f of version.files) files[f.path] = await readWholeBlob(this.deps.blobs, f.digest);
      let loaded;
      try {
        loaded = await engine.load(files, version.signature, label);
      } catch (err) {
        throw new InferenceError(500, `${label} could not be loaded on the hub: ${(err as Error).message}`);
      }
      const batching = batchable(version.signature) ? batchingFor(model.tags, this.deps.config.batching) : null;
      const outputs = version.signature.outputs.map((o) => o.name);
      return { model: loaded, batcher: batching ? new DynamicBatcher(loaded, outputs, batching) : null };
    });
  }

  /** Loads a version now (OUTPOST_SERVE, or a readiness check). */
  async load(resolved: ResolvedVersion): Promise<void> {
    (await this.acquire(resolved)).release();
  }

  isLoaded({ model, version }: ResolvedVersion): boolean {
    return this.sessions.has(`${model.id}/${version.version}`);
  }

  /** One infer request against a resolved version; every attempt on it counts in telemetry as backend `server`. */
  async infer(resolved: ResolvedVersion, request: InferRequest, binary: Uint8Array): Promise<EncodedResponse> {
    const { model, version } = resolved;
    const started = performance.now();
    const count = (error?: unknown) =>
      this.telemetry.record(model.projectId, model.name, version.version, error ? null : performance.now() - started, error ? (error as Error).message : undefined);
    try {
      const label = labelOf(resolved);
      const { feeds, rows, outputs } = readInputs(request, binary, version.signature, label);
      const lease = await this.acquire(resolved);
      let tensors;
      try {
        const { model: loaded, batcher } = lease.served;
        tensors = batcher && rows !== null ? await batcher.run(feeds, rows) : await loaded.run(feeds, outputs.map((o) => o.name));
      } catch (err) {
        throw err instanceof InferenceError ? err : new InferenceError(400, `${label} failed on these inputs: ${(err as Error).message}`);
      } finally {
        lease.release();
      }
      const response = encodeResponse({ model_name: model.name, model_version: String(version.version), ...(request.id !== undefined ? { id: request.id } : {}) }, tensors, outputs);
      count();
      return response;
    } catch (err) {
      count(err);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.telemetry.close();
    await this.sessions.close();
  }
}
