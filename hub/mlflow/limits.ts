import { LIMITS } from '../../shared/schemas/tracking.js';
import { invalidParam } from './errors.js';

/**
 * MLflow's validation (mlflow/utils/validation.py), with its newer messages. DESIGN §10 asks us to refuse beyond the
 * limits, so over-long values are refused rather than truncated (MLFLOW_TRUNCATE_LONG_VALUES does not apply).
 */

/** Experiment tags keep MLflow's tighter MAX_EXPERIMENT_TAG_VAL_LENGTH. */
export const EXPERIMENT_TAG_VALUE = 5000;

// Python's \w is Unicode-aware; newer MLflow also allows ':'.
const KEY_CHARS = /^[\p{L}\p{N}\p{M}_/.\- :]*$/u;

/** posixpath.normpath, enough to tell whether a key would name another file. */
function normpath(path: string): string {
  const absolute = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (part !== '..' || !absolute) out.push(part);
  }
  return (absolute ? '/' : '') + out.join('/') || '.';
}

const tooLong = (path: string, limit: number) => invalidParam(`'${path}' exceeds the maximum length of ${limit} characters`);

/** A metric, param or tag key: `path` names the field, e.g. `params[2].key`. */
export function checkKey(key: string, path = 'key'): void {
  if (key.length > LIMITS.keyLength) throw tooLong(path, LIMITS.keyLength);
  if (!KEY_CHARS.test(key)) {
    throw invalidParam(
      `Invalid value "${key}" for parameter '${path}' supplied: Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
  }
  const norm = normpath(key);
  if (norm !== key || norm === '.' || norm.startsWith('..') || norm.startsWith('/')) {
    throw invalidParam(
      `Invalid value "${key}" for parameter '${path}' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${norm}'`,
    );
  }
}

export function checkValue(value: string, limit: number, path = 'value'): void {
  if (value.length > limit) throw tooLong(path, limit);
}

export const checkParam = (key: string, value: string, at = '') => (checkKey(key, `${at}key`), checkValue(value, LIMITS.paramValue, `${at}value`));
export const checkTag = (key: string, value: string, at = '') => (checkKey(key, `${at}key`), checkValue(value, LIMITS.tagValue, `${at}value`));

export function checkExperimentName(name: string, path = 'name'): void {
  if (name.trim() === '') throw invalidParam(`Invalid experiment name: '${name}'`);
  if (name.length > LIMITS.experimentName) throw tooLong(path, LIMITS.experimentName);
}

/** Run tags from `[{key, value}]`, checked; a key given twice keeps its last value, as MLflow's set_tags does. */
export function tagRecord(tags: Array<{ key: string; value?: string | undefined }> | undefined, field = 'tags', limit: number = LIMITS.tagValue) {
  const out: Record<string, string> = {};
  (tags ?? []).forEach((t, i) => {
    checkKey(t.key, `${field}[${i}].key`);
    checkValue(t.value ?? '', limit, `${field}[${i}].value`);
    out[t.key] = t.value ?? '';
  });
  return out;
}

/** MLflow's _validate_batch_log_limits, in its order: each kind, then the total. */
export function checkBatchSizes(metrics: number, params: number, tags: number): void {
  const check = (entity: string, limit: number, n: number) => {
    if (n > limit) {
      throw invalidParam(`A batch logging request can contain at most ${limit} ${entity}. Got ${n} ${entity}. Please split up ${entity} across multiple requests and try again.`);
    }
  };
  check('metrics', LIMITS.batchMetrics, metrics);
  check('params', LIMITS.batchParams, params);
  check('tags', LIMITS.batchTags, tags);
  check('metrics, params, and tags', LIMITS.batchTotal, metrics + params + tags);
}
