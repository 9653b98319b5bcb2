import { ConfigError, parseSize } from '../config.js';
import type { BatchOptions } from './batcher.js';

/** The Node hub's serving settings, read once from the environment (docs/serving.md). */
export interface ServingConfig {
  /** Refs loaded at start (`OUTPOST_SERVE=digits@production,other/3`), in the default project. */
  preload: string[];
  /** Bytes of model files kept loaded before the least recently used version is dropped. */
  memoryBytes: number;
  /** Dynamic batching defaults; null turns it off. A model's tags `serve.max_batch_size` and `serve.max_delay_ms` override them. */
  batching: BatchOptions | null;
  /** How often server inference figures go into telemetry. */
  telemetryFlushMs: number;
  /** Threads one ONNX run may use (onnxruntime's intra-op threads, the calling one included); null: one a core. */
  threads: number | null;
}

export const SERVING_DEFAULTS = { memory: '2GiB', maxBatchSize: 64, maxDelayMs: 0, telemetryFlushMs: 10_000 } as const;

function whole(env: Record<string, unknown>, name: string, fallback: number, min: number): number {
  const text = env[name];
  if (typeof text !== 'string' || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`invalid configuration: ${name} must be a whole number of at least ${min} (got "${text}")`);
  return n;
}

export function readServingConfig(env: Record<string, unknown>): ServingConfig {
  const memoryText = typeof env.OUTPOST_SERVE_MEMORY === 'string' && env.OUTPOST_SERVE_MEMORY ? env.OUTPOST_SERVE_MEMORY : SERVING_DEFAULTS.memory;
  const memoryBytes = parseSize(memoryText);
  if (!memoryBytes) throw new ConfigError(`invalid configuration: OUTPOST_SERVE_MEMORY must be a size such as 2GB, 512MiB or 1048576 (got "${memoryText}")`);
  const batchingText = typeof env.OUTPOST_SERVE_BATCHING === 'string' ? env.OUTPOST_SERVE_BATCHING : '1';
  if (!['', '0', '1', 'true', 'false'].includes(batchingText)) throw new ConfigError(`invalid configuration: OUTPOST_SERVE_BATCHING must be 0 or 1 (got "${batchingText}")`);
  const batching = batchingText === '0' || batchingText === 'false'
    ? null
    : { maxBatchSize: whole(env, 'OUTPOST_SERVE_MAX_BATCH', SERVING_DEFAULTS.maxBatchSize, 1), maxDelayMs: whole(env, 'OUTPOST_SERVE_MAX_DELAY_MS', SERVING_DEFAULTS.maxDelayMs, 0) };
  const preload = typeof env.OUTPOST_SERVE === 'string' ? env.OUTPOST_SERVE.split(',').map((r) => r.trim()).filter(Boolean) : [];
  const threads = whole(env, 'OUTPOST_SERVE_THREADS', 0, 1) || null;
  return { preload, memoryBytes, batching, telemetryFlushMs: whole(env, 'OUTPOST_SERVE_TELEMETRY_MS', SERVING_DEFAULTS.telemetryFlushMs, 100), threads };
}

/** A model's own batching from its tags, over the defaults; `serve.max_batch_size: 1` turns it off for that model. */
export function batchingFor(tags: Record<string, string>, defaults: BatchOptions | null): BatchOptions | null {
  if (!defaults) return null;
  const num = (key: string, fallback: number) => {
    const n = Number(tags[key]);
    return tags[key] !== undefined && Number.isInteger(n) && n >= 0 ? n : fallback;
  };
  const options = { maxBatchSize: num('serve.max_batch_size', defaults.maxBatchSize), maxDelayMs: num('serve.max_delay_ms', defaults.maxDelayMs) };
  return options.maxBatchSize > 1 ? options : null;
}
