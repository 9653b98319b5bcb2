import type { MetricColumns } from '../../shared/schemas/tracking.js';
import { applyOnce } from '../core/idempotency.js';
import type { Scope } from '../core/scope.js';
import type { RunRow } from '../db/schema.js';
import { appendToRun, ParamChangedError } from '../tracking/log.js';
import { updateRun } from '../tracking/runs.js';
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

/** Params and tags in one atomic write; a changed param refuses the whole write, as the domain checks before writing. */
export async function logParamsAndTags(s: Scope, run: RunRow, params: Record<string, string>, tags: Record<string, string>, batch: boolean) {
  if (!Object.keys(params).length && !Object.keys(tags).length) return;
  try {
    await appendToRun(s, run, { params, tags });
  } catch (err) {
    if (err instanceof ParamChangedError) throw paramChanged(err, batch);
    throw err;
  }
  const name = tags[RUN_NAME_TAG];
  if (name) await updateRun(s, run, { name });
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Appends metric points. MLflow's store ignores a point identical to a stored one (its primary key is the whole
 * point), which makes a client's retry harmless. Here identical points within a request collapse, and a request
 * whose points were all logged before by an identical request is a no-op: the content hash is its idempotency id.
 */
export async function logMetricPoints(s: Scope, run: RunRow, points: MetricPoint[]) {
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
  if (byKey.size === 0) return;
  const metrics = [...byKey.values()];
  const id = `mlflow-metrics:${await sha256Hex(JSON.stringify([run.id, metrics]))}`;
  await applyOnce(s, { id, kind: 'mlflow-metrics', runId: run.id }, (record) => appendToRun(s, run, { metrics }, [record]));
}
