import type { DatasetInput, Experiment, Run } from '../../shared/schemas/tracking.js';

/**
 * Outpost's domain objects as MLflow's proto JSON (service.proto, MessageToJson with proto field names): ids are
 * strings, times are epoch ms, enums are names, and, as proto2 does, unset fields and empty lists are left out.
 */

/**
 * Where MLflow clients would put artifacts. Outpost keeps artifacts as project blobs, not under a URI, so we name
 * them as an MLflow server with --serve-artifacts does; the client then talks to this hub's mlflow-artifacts API.
 */
export const experimentArtifactLocation = (experimentId: string) => `mlflow-artifacts:/${experimentId}`;
export const runArtifactUri = (experimentId: string, runId: string) => `${experimentArtifactLocation(experimentId)}/${runId}/artifacts`;

/** Doubles the way protobuf writes them: NaN and ±Infinity as strings, since JSON has no such numbers. */
export function jsonDouble(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

const pairs = (record: Record<string, string>) => Object.entries(record).map(([key, value]) => ({ key, value }));
/** A repeated field, omitted when empty as proto2 does. */
const list = <K extends string, T>(name: K, items: T[]) => (items.length ? { [name]: items } : {}) as Partial<Record<K, T[]>>;

type ExperimentLike = Pick<Experiment, 'id' | 'name' | 'lifecycle' | 'tags' | 'createdAt' | 'updatedAt'>;

export function experimentJson(e: ExperimentLike) {
  return {
    experiment_id: e.id,
    name: e.name,
    artifact_location: experimentArtifactLocation(e.id),
    lifecycle_stage: e.lifecycle,
    last_update_time: e.updatedAt,
    creation_time: e.createdAt,
    ...list('tags', pairs(e.tags)),
  };
}

export function runInfoJson(run: Run) {
  return {
    run_id: run.id,
    run_uuid: run.id,
    run_name: run.name,
    experiment_id: run.experimentId,
    ...(run.userId !== null ? { user_id: run.userId } : {}),
    status: run.status,
    start_time: run.startTime,
    ...(run.endTime !== null ? { end_time: run.endTime } : {}),
    artifact_uri: runArtifactUri(run.experimentId, run.id),
    lifecycle_stage: run.lifecycle,
  };
}

export const metricJson = (key: string, value: number, timestamp: number, step: number) => ({ key, value: jsonDouble(value), timestamp, step });

/** `data.metrics` holds one latest value per key (highest step, then timestamp, then value: DESIGN §10, MLflow's rule). */
export function runDataJson(run: Run) {
  return {
    ...list(
      'metrics',
      Object.entries(run.metrics).map(([key, m]) => metricJson(key, m.value, m.timestamp, m.step)),
    ),
    ...list('params', pairs(run.params)),
    ...list('tags', pairs(run.tags)),
  };
}

/** A dataset input as MLflow's DatasetInput proto JSON. */
export const datasetInputJson = ({ dataset: d, tags }: DatasetInput) => ({
  ...list('tags', pairs(tags)),
  dataset: {
    name: d.name,
    digest: d.digest,
    source_type: d.sourceType,
    source: d.source,
    ...(d.schema !== null ? { schema: d.schema } : {}),
    ...(d.profile !== null ? { profile: d.profile } : {}),
  },
});

/** MLflow ≥2 always writes `inputs`; lists of runs come without their dataset inputs, as `runs/search` reads them here. */
export const runJson = (run: Run, inputs: DatasetInput[] = []) => ({ info: runInfoJson(run), data: runDataJson(run), inputs: list('dataset_inputs', inputs.map(datasetInputJson)) });
