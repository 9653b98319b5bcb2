import { OutpostError } from '../../shared/errors.js';
import type { ExperimentRow, RunRow } from '../db/schema.js';
import type { Scope } from '../core/scope.js';
import { scopeOf } from '../http/scope.js';
import { ensureExperiment, getExperiment } from '../tracking/experiments.js';
import { getRunRow } from '../tracking/runs.js';
import { doesNotExist, invalidParam } from './errors.js';

/** The request's scope, which every MLflow handler works in. */
export const scope = scopeOf;

/**
 * MLflow clients fall back to experiment "0", named "Default", which every MLflow server has. Outpost ids are not
 * numbers and each project has its own experiments, so "0" (and the empty id, as SqlAlchemyStore reads it) means
 * this project's experiment named "Default", created on first use. Replies carry its real id, so a client that
 * started from "0" goes on with the real one.
 */
export const DEFAULT_EXPERIMENT_NAME = 'Default';
export async function resolveExperimentId(scope: Scope, id: string): Promise<string> {
  if (id === '0' || id === '') return (await ensureExperiment(scope, DEFAULT_EXPERIMENT_NAME)).id;
  return id;
}

const isStatus = (err: unknown, status: number) => err instanceof OutpostError && err.status === status;

/** The experiment, deleted or not, with MLflow's not-found wording. */
export async function loadExperiment(s: Scope, id: string): Promise<ExperimentRow> {
  try {
    return await getExperiment(s, await resolveExperimentId(s, id));
  } catch (err) {
    if (isStatus(err, 404)) throw doesNotExist(`No Experiment with id=${id} exists`);
    throw err;
  }
}

export function assertExperimentActive(e: ExperimentRow): void {
  if (e.lifecycle !== 'active') throw invalidParam(`The experiment ${e.id} must be in the 'active' state. Current state is ${e.lifecycle}.`);
}

/** The run, deleted or not, with MLflow's not-found wording. */
export async function loadRun(s: Scope, runId: string): Promise<RunRow> {
  try {
    return await getRunRow(s, runId);
  } catch (err) {
    if (isStatus(err, 404)) throw doesNotExist(`Run with id=${runId} not found`);
    throw err;
  }
}

/** Writes to a run need it active (SqlAlchemyStore._check_run_is_active). */
export async function loadActiveRun(s: Scope, runId: string): Promise<RunRow> {
  const row = await loadRun(s, runId);
  if (row.lifecycle !== 'active') throw invalidParam(`The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle}.`);
  return row;
}
