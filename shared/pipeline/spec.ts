/** The stored form of a pipeline version: what the hub keeps and checks (no code; the code is the bundle). */
export const valueTypes = ['number', 'string', 'boolean', 'json', 'file'] as const;
export type ValueType = (typeof valueTypes)[number];
export const paramTypes = ['number', 'string', 'boolean'] as const;
export type ParamType = (typeof paramTypes)[number];

export interface StepSpec {
  needs: string[];
  /** Attempts after the first failure; each waits `backoffMs · 2^(n-1)`, at most `capMs`. */
  retries: { count: number; backoffMs: number; capMs: number };
  timeoutMs: number | null;
  cache: boolean;
  /** Labels a runner must all have to lease the step; empty: any runner. */
  runsOn: string[];
  /** Declared outputs and their types: the runner checks what `run` returns against them. */
  outputs?: Record<string, ValueType>;
  /** Outputs of needed steps this step reads, with the types it expects: checked against the producers on register. */
  inputs?: Record<string, Record<string, ValueType>>;
}

export type Trigger = { dataset: string } | { model: string } | { alias: string };

export interface PipelineSpec {
  name: string;
  params: Record<string, { type: ParamType; default: number | string | boolean }>;
  steps: Record<string, StepSpec>;
  schedule?: { cron: string; catchup: boolean };
  on?: Trigger[];
}

export const STEP_NAME_RE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const PIPELINE_LIMITS = { steps: 1000, outputsBytes: 65_536, params: 100 } as const;
