import type { HubClient } from '../client/hub-client.js';
import { parseDuration } from './duration.js';
import { paramTypes, type ParamType, type PipelineSpec, type StepSpec, type Trigger, type ValueType } from './spec.js';

/** Outputs are small JSON values; files are blob digests (`sha256:…`) or refs (`ds/3`, `model/2`). */
export type StepOutputs = Record<string, unknown>;

/** The tracking run of a step attempt: made on the first `log`, finished when the step ends. */
export interface StepTrackingRun {
  log(metrics: Record<string, number>, step?: number): void;
  /** The run's id, making the run if it was not made yet. */
  id(): Promise<string>;
}

export interface StepContext<P = Record<string, unknown>> {
  /** Each needed step's outputs, by step name (JSON values: typed loosely so `ctx.inputs.prep.rows / 100` reads as written). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  inputs: Record<string, Record<string, any>>;
  params: P;
  /** 1-based. */
  attempt: number;
  /** One line in this attempt's log (arguments joined as console.log does). */
  log(...args: unknown[]): void;
  /** Aborted when the step is cancelled, times out, or the runner is stopping. */
  signal: AbortSignal;
  run: StepTrackingRun;
  hub: HubClient;
  /** Records that the step read or made a dataset or model version, for the run's lineage. */
  link(kind: 'dataset' | 'model', ref: string, role?: 'read' | 'made'): void;
  pipeline: { name: string; version: number; runId: string };
}

export interface StepDefinition<P = Record<string, unknown>> {
  needs?: string[];
  retries?: number | { count: number; backoff?: string | number; cap?: string | number };
  timeout?: string | number;
  cache?: boolean;
  runsOn?: string[];
  outputs?: Record<string, ValueType>;
  inputs?: Record<string, Record<string, ValueType>>;
  run: (ctx: StepContext<P>) => Promise<StepOutputs | void> | StepOutputs | void;
}

export interface PipelineDefinition<P extends Record<string, number | string | boolean> = Record<string, number | string | boolean>> {
  name: string;
  params?: P;
  steps: Record<string, StepDefinition<P>>;
  /** A cron expression (runs each interval once it has ended), or with `catchup: true` to run missed intervals too. */
  schedule?: string | { cron: string; catchup?: boolean };
  /** Events that start a run: a new dataset version, a new model version, an alias move (`name@alias`). */
  on?: Trigger[];
}

const PIPELINE = Symbol.for('outpost.pipeline');

/** A pipeline: what `outpost pipeline register` bundles and a runner imports. */
export function definePipeline<P extends Record<string, number | string | boolean>>(definition: PipelineDefinition<P>): PipelineDefinition<P> {
  return Object.assign(definition, { [PIPELINE]: true });
}

export function isPipeline(value: unknown): value is PipelineDefinition {
  return Boolean(value && typeof value === 'object' && (value as Record<symbol, unknown>)[PIPELINE]);
}

/** The step a lease names, from the imported bundle; throws naming the steps the bundle has. */
export function stepOf(definition: PipelineDefinition, name: string): PipelineDefinition['steps'][string] {
  const step = definition.steps[name];
  if (!step) throw new Error(`the bundle has no step "${name}" (steps: ${Object.keys(definition.steps).join(', ')})`);
  return step;
}

/** The stored spec of a definition; a bad field throws an Error naming the step. */
export function specOf<P extends Record<string, number | string | boolean>>(definition: PipelineDefinition<P>): PipelineSpec {
  const params: PipelineSpec['params'] = {};
  for (const [key, value] of Object.entries(definition.params ?? {})) {
    const type = typeof value as ParamType;
    if (!paramTypes.includes(type)) throw new Error(`param "${key}": a default must be a number, string or boolean`);
    params[key] = { type, default: value };
  }
  const steps: Record<string, StepSpec> = {};
  for (const [name, step] of Object.entries(definition.steps ?? {})) {
    if (typeof step?.run !== 'function') throw new Error(`step "${name}" has no run function`);
    steps[name] = stepSpec(name, step);
  }
  const schedule = typeof definition.schedule === 'string' ? { cron: definition.schedule, catchup: false } : definition.schedule ? { cron: definition.schedule.cron, catchup: Boolean(definition.schedule.catchup) } : undefined;
  return { name: definition.name, params, steps, ...(schedule ? { schedule } : {}), ...(definition.on?.length ? { on: definition.on } : {}) };
}

function stepSpec(name: string, step: Omit<StepDefinition, 'run'>): StepSpec {
  const what = (field: string) => `step "${name}" ${field}`;
  const r = step.retries ?? 0;
  const retries =
    typeof r === 'number'
      ? { count: r, backoffMs: 1000, capMs: 60_000 }
      : { count: r.count, backoffMs: parseDuration(r.backoff ?? '1s', what('retries.backoff')), capMs: parseDuration(r.cap ?? '1m', what('retries.cap')) };
  if (!Number.isInteger(retries.count) || retries.count < 0 || retries.count > 100) throw new Error(`${what('retries')}: a count from 0 to 100`);
  return {
    needs: [...(step.needs ?? [])],
    retries,
    timeoutMs: step.timeout === undefined ? null : parseDuration(step.timeout, what('timeout')),
    cache: step.cache ?? true,
    runsOn: [...(step.runsOn ?? [])],
    ...(step.outputs ? { outputs: step.outputs } : {}),
    ...(step.inputs ? { inputs: step.inputs } : {}),
  };
}

/** The wait before attempt `failures + 1` after `failures` failed attempts: exponential, capped. */
export function retryDelay(retries: StepSpec['retries'], failures: number): number {
  return Math.min(retries.capMs, retries.backoffMs * 2 ** Math.max(0, failures - 1));
}

/** What is wrong with a step's outputs against its declared types, or null. */
export function outputProblem(name: string, outputs: unknown, declared: StepSpec['outputs']): string | null {
  if (outputs === undefined || outputs === null) outputs = {};
  if (typeof outputs !== 'object' || Array.isArray(outputs)) return `step "${name}" must return an object of outputs (or nothing)`;
  for (const [field, type] of Object.entries(declared ?? {})) {
    const value = (outputs as Record<string, unknown>)[field];
    const ok = type === 'json' ? value !== undefined : type === 'file' ? typeof value === 'string' && /^sha256:[0-9a-f]{64}$/.test(value) : typeof value === type;
    if (!ok) return `step "${name}" output "${field}" must be a ${type === 'file' ? 'blob digest (sha256:…)' : type}, got ${JSON.stringify(value) ?? 'nothing'}`;
  }
  return null;
}
