import type { PipelineSpec } from './spec.js';
import { STEP_NAME_RE, PIPELINE_LIMITS } from './spec.js';

/** What is wrong with a pipeline's DAG, naming the step; empty when it is sound. Run by the CLI and again by the hub. */
export function dagProblems(spec: PipelineSpec): string[] {
  const problems: string[] = [];
  const names = Object.keys(spec.steps);
  if (names.length === 0) problems.push(`pipeline "${spec.name}" has no steps`);
  if (names.length > PIPELINE_LIMITS.steps) problems.push(`pipeline "${spec.name}" has ${names.length} steps (at most ${PIPELINE_LIMITS.steps})`);
  for (const [name, step] of Object.entries(spec.steps)) {
    if (!STEP_NAME_RE.test(name)) problems.push(`step "${name}": a name is a letter then up to 63 letters, digits, _ or -`);
    for (const need of step.needs) {
      if (need === name) problems.push(`step "${name}" needs itself`);
      else if (!(need in spec.steps)) problems.push(`step "${name}" needs unknown step "${need}" (steps: ${names.join(', ')})`);
    }
    for (const [from, fields] of Object.entries(step.inputs ?? {})) {
      if (!step.needs.includes(from)) {
        problems.push(`step "${name}" reads inputs of "${from}" but does not need it (add it to needs)`);
        continue;
      }
      const produced = spec.steps[from]?.outputs;
      for (const [field, type] of Object.entries(fields)) {
        const made = produced?.[field];
        if (!produced) problems.push(`step "${name}" reads ${from}.${field} but step "${from}" declares no outputs`);
        else if (!made) problems.push(`step "${name}" reads ${from}.${field} but step "${from}" has no output "${field}" (outputs: ${Object.keys(produced).join(', ') || 'none'})`);
        else if (made !== type && type !== 'json') problems.push(`step "${name}" reads ${from}.${field} as ${type} but step "${from}" makes it a ${made}`);
      }
    }
  }
  const cycle = findCycle(spec);
  if (cycle) problems.push(`steps form a cycle: ${cycle.join(' → ')} (step "${cycle[0]}")`);
  return problems;
}

/** One cycle through `needs`, as the step names around it, or null. */
function findCycle(spec: PipelineSpec): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | null => {
    if (state.get(name) === 'done') return null;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const need of spec.steps[name]?.needs ?? []) {
      if (!(need in spec.steps) || need === name) continue;
      const found = visit(need);
      if (found) return found;
    }
    path.pop();
    state.set(name, 'done');
    return null;
  };
  for (const name of Object.keys(spec.steps)) {
    const found = visit(name);
    if (found) return found;
  }
  return null;
}

/** The steps in an order where every step comes after the steps it needs (the DAG must be sound). */
export function topologicalOrder(spec: PipelineSpec): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const need of spec.steps[name]!.needs) visit(need);
    out.push(name);
  };
  for (const name of Object.keys(spec.steps)) visit(name);
  return out;
}
