import * as Comlink from 'comlink';
import type { Signature } from '../../shared/schemas/registry.js';
import type { Backend } from '../../shared/schemas/telemetry.js';
import type { StoredCheck } from '../cache/chunks.js';
import { OutpostRuntimeError, type RuntimeErrorCode } from '../errors.js';
import type { Feeds, Outputs } from './tensors.js';

/** The inference worker's API, as seen through Comlink. Buffers in `files`, feeds and outputs are transferred. */
export interface InferenceWorkerApi {
  init(config: WorkerConfig): Promise<void>;
  create(request: CreateRequest): Promise<{ session: number; backend: DeviceBackend; loadPath: DeviceLoadPath }>;
  /** Resolves once a session's files passed their check (none to make: at once), or with the files that failed. */
  failedChecks(session: number): Promise<FailedCheck[]>;
  run(session: number, feeds: Feeds, dtypes: Record<string, string>): Promise<Outputs>;
  dispose(session: number): Promise<void>;
}

export interface WorkerConfig {
  /** Where `/runtime/*` assets live (the hub), and the build they belong to. */
  assetBase: string;
  build: string;
}

/** A backend a device runs models on (`server` is the hub's, in telemetry). */
export type DeviceBackend = Exclude<Backend, 'server'>;
/** Where a model runs: a device backend, or `remote` for the hub's `/v2` endpoint. */
export type ModelBackend = DeviceBackend | 'remote';
/**
 * How a session's model file reached its engine: `heap` when an ONNX model file in OPFS was read straight into
 * onnxruntime-web's wasm heap (engines/ort-heap.ts), `buffer` when its bytes were in a buffer of their own (a download,
 * an IndexedDB Blob, external data, tfjs, or an onnxruntime build whose heap was not caught).
 */
export type DeviceLoadPath = 'heap' | 'buffer';
/** A device load path, or `remote` for the hub's `/v2` endpoint (no file is loaded on the device). */
export type LoadPath = DeviceLoadPath | 'remote';
/** `op.load`'s choice: `auto` picks a device backend and falls back to `remote` when the device cannot load the model. */
export type BackendChoice = 'auto' | ModelBackend;
/** What a worker is asked for: a device backend, or the best it has. */
export type LocalChoice = 'auto' | DeviceBackend;

export interface CreateSession {
  format: 'onnx' | 'tfjs-layers';
  files: Record<string, ArrayBuffer>;
  label: string;
  signature: Signature;
  backend: LocalChoice;
}

/** A file for a session: bytes, an IndexedDB Blob handle, or the name of an OPFS file; the worker reads the last two itself. */
export type WorkerFile = ArrayBuffer | Blob | { opfs: string };

/** What `create` takes. */
export interface CreateRequest extends Omit<CreateSession, 'files'> {
  files: Record<string, WorkerFile>;
  /** Cache hits: what each file must be before the session may run. */
  checks?: FileChecks;
}

/** path → the digest, size and chunk digests a stored file must have. */
export type FileChecks = Record<string, StoredCheck>;

export interface FailedCheck {
  path: string;
  digest: string;
  /** What was wrong, e.g. which chunk hashed to what. */
  why: string;
}

/** What `model.run` rejects with when a stored file failed its check: the session never ran. */
export const damagedFilesError = (label: string, failed: FailedCheck[]) =>
  new OutpostRuntimeError(
    'integrity',
    `${label}: its cached ${failed.map((f) => `${f.path} was damaged on this device (${f.why})`).join('; ')}; the session was disposed before it ran and the file dropped from the cache: load the model again to download it`,
  );

/**
 * Errors cross the worker boundary as {name, message, stack, code} and are rebuilt on the other side, so a
 * failed inference rejects the caller's promise with the original message (and our error code, when there is one).
 */
export function installErrorTransfer(): void {
  const builtIn = Comlink.transferHandlers.get('throw')!;
  if ((builtIn as { outpost?: boolean }).outpost) return;
  Comlink.transferHandlers.set('throw', {
    outpost: true,
    canHandle: builtIn.canHandle,
    serialize({ value }: { value: unknown }) {
      const e = value as { name?: string; message?: string; stack?: string; code?: string };
      const wire = value instanceof Error || (typeof value === 'object' && value !== null) ? { name: e.name ?? 'Error', message: e.message ?? String(value), stack: e.stack, code: e.code } : { name: 'Error', message: String(value) };
      return [wire, []];
    },
    deserialize(wire: { name: string; message: string; stack?: string; code?: string }) {
      const err = wire.code ? new OutpostRuntimeError(wire.code as RuntimeErrorCode, wire.message) : Object.assign(new Error(wire.message), { name: wire.name });
      if (wire.stack) err.stack = wire.stack;
      throw err;
    },
  } as Comlink.TransferHandler<unknown, unknown>);
}
