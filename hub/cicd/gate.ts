import { evaluateGate, type MetricRule } from '../../shared/cicd/gate.js';
import type { GateReply } from '../../shared/schemas/cicd.js';
import { OutpostError } from '../../shared/errors.js';
import type { ProjectScope } from '../core/scope.js';
import type { ModelVersionRow, RegisteredModelRow } from '../db/schema.js';
import { resolveModelRef } from '../registry/refs.js';
import { metricsOfVersion } from './metrics.js';

/** A version number or an alias name of the model, as the gate and policy bodies take them. */
export async function versionOf(scope: ProjectScope, model: RegisteredModelRow, ref: number | string): Promise<ModelVersionRow> {
  const target = typeof ref === 'number' ? { name: model.name, version: ref } : { name: model.name, alias: ref };
  return (await resolveModelRef(scope, target)).version;
}

/** The baseline a gate compares with, or null when an alias is asked for that does not exist and `allowMissing` says so. */
async function baselineOf(scope: ProjectScope, model: RegisteredModelRow, ref: number | string, allowMissing: boolean): Promise<ModelVersionRow | null> {
  try {
    return await versionOf(scope, model, ref);
  } catch (err) {
    if (allowMissing && typeof ref === 'string' && err instanceof OutpostError && err.status === 404) return null;
    throw err;
  }
}

/** Judges one version of a model against rules and an optional baseline version. */
export async function gateVersions(scope: ProjectScope, candidate: ModelVersionRow, baseline: ModelVersionRow | null, rules: MetricRule[]): Promise<GateReply> {
  const c = await metricsOfVersion(scope, candidate);
  const b = baseline ? await metricsOfVersion(scope, baseline) : null;
  const { passed, results } = evaluateGate(rules, c.metrics, b?.metrics);
  return {
    passed,
    candidate: { version: candidate.version, metrics: c.metrics, metricsFrom: c.from },
    baseline: baseline && b ? { version: baseline.version, metrics: b.metrics, metricsFrom: b.from } : null,
    results,
  };
}

/** `POST /v1/models/{name}/gate`: the candidate and baseline named by version or alias. */
export async function runGate(
  scope: ProjectScope,
  model: RegisteredModelRow,
  request: { candidate: number | string; against?: number | string; rules: MetricRule[]; allowMissingBaseline?: boolean },
): Promise<GateReply> {
  const candidate = await versionOf(scope, model, request.candidate);
  const baseline = request.against === undefined ? null : await baselineOf(scope, model, request.against, request.allowMissingBaseline ?? false);
  return gateVersions(scope, candidate, baseline, request.rules);
}
