import type { PipelineRun } from '../../../../shared/schemas/pipelines';

export type StepStatus = PipelineRun['steps'][string]['status'];
export type RunStatus = PipelineRun['status'];

/** A run that may still change: its page polls while it is in one of these. */
export const isLive = (status: RunStatus) => status === 'queued' || status === 'running';

/** A run's or step's state as a chip; the colours are those the DAG's boxes use. */
export function StateChip({ status }: { status: StepStatus | RunStatus }) {
  return <span class={`status pipe-${status}`}>{status}</span>;
}
