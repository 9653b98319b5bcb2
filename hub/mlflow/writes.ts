import { sha256Digest } from '../../shared/digest.js';
import type { MetricColumns } from '../../shared/schemas/tracking.js';
import type { Scope } from '../core/scope.js';
import { applyOnce } from '../core/idempotency.js';
import type { RunRow } from '../db/schema.js';
import { appendToRun, ParamChangedError, type AppendBatch } from '../tracking/log.js';
import { invalidParam } from './errors.js';

export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/** MLflow keeps `info.run_name` and the `mlflow.runName` tag equal; every write path here does the same. */
export const RUN_NAME_TAG = 'mlflow.runName';

const py = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** MLflow's two wordings for a changed param: log-parameter names one value, log-batch lists them as a Python repr. */
function paramChanged(e: ParamChangedError, batch: boolean) {
  if (!batch) {
    return invalidParam(
      `Changing param values is not allowed. Param with key='${e.key}' was already logged with value='${e.oldValue}' for run ID='${e.runId}'. Attempted logging new value '${e.newValue}'.`,
    );
  }
  const listed = `[{'key': ${py(e.key)}, 'old_value': ${py(e.oldValue)}, 'new_value': ${py(e.newValue)}}]`;
  return invalidParam(`Changing param values is not allowed. Params were already logged='${listed}' for run ID='${e.runId}'.`);
}

/** Points as columns per key; identical points within a request collapse, as MLflow's store keeps a point once. */
function metricColumns(points: MetricPoint[]) {
  const seen = new Set<string>();
  const byKey = new Map<string, MetricColumns & { timestamps: number[] }>();
  for (const p of points) {
    const id = JSON.stringify([p.key, p.value, p.timestamp, p.step]);
    if (seen.has(id)) continue;
    seen.add(id);
    let m = byKey.get(p.key);
    if (!m) byKey.set(p.key, (m = { key: p.key, steps: [], values: [], timestamps: [] }));
    m.steps.push(p.step);
    m.values.push(p.value);
    m.timestamps.push(p.timestamp);
  }
  return [...byKey.values()];
}

export interface RunWrites {
  params?: Record<string, string>;
  tags?: Record<string, string>;
  points?: MetricPoint[];
}

/**
 * Params, tags and metric points in one atomic batch: a changed param or a failed write leaves nothing behind.
 * MLflow's store ignores a point identical to a stored one (its primary key is the whole point), which makes a
 * client's retry harmless; here the points' content hash is the batch's idempotency id. When those points were
 * logged before, only the params and tags are written, again in one batch.
 */
export async function logMlflowWrites(s: Scope, run: RunRow, writes: RunWrites, batch: boolean): Promise<void> {
  const params = writes.params ?? {};
  const tags = writes.tags ?? {};
  const metrics = metricColumns(writes.points ?? []);
  const name = tags[RUN_NAME_TAG] || undefined;
  const plain: AppendBatch = { params, tags, ...(name ? { name } : {}) };
  try {
    if (!metrics.length) {
      await appendToRun(s, run, plain);
      return;
    }
    const id = `mlflow-metrics:${await sha256Digest(new TextEncoder().encode(JSON.stringify([run.id, metrics])))}`;
    const applied = await applyOnce(s, { id, kind: 'mlflow-metrics', runId: run.id }, (record) => appendToRun(s, run, { ...plain, metrics }, [record]));
    if (applied.duplicate && (Object.keys(params).length || Object.keys(tags).length)) await appendToRun(s, run, plain);
  } catch (err) {
    if (err instanceof ParamChangedError) throw paramChanged(err, batch);
    throw err;
  }
}
