import { badRequest } from '../../shared/errors.js';
import type { PipelineSpec } from '../../shared/pipeline/spec.js';

type ParamValue = number | string | boolean;

/** A run's params: the declared defaults overlaid with the caller's, each of its declared type; unknown names are refused. */
export function resolveParams(spec: PipelineSpec, given: Record<string, ParamValue>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [name, p] of Object.entries(spec.params)) out[name] = p.default;
  for (const [name, value] of Object.entries(given)) {
    const declared = spec.params[name];
    if (!declared) throw badRequest(`pipeline "${spec.name}" has no param "${name}" (params: ${Object.keys(spec.params).join(', ') || 'none'})`, [{ path: `params.${name}`, message: 'unknown param' }]);
    if (typeof value !== declared.type) throw badRequest(`param "${name}" must be a ${declared.type}, got ${JSON.stringify(value)}`, [{ path: `params.${name}`, message: `must be a ${declared.type}` }]);
    out[name] = value;
  }
  return out;
}
