import type { PipelineRun } from '../../../../shared/schemas/pipelines';
import { formatDuration } from '../../format';

/** A duration; under a second in ms (pipeline steps are often that short), not as "0s". */
export const durationText = (ms: number) => (ms < 1000 ? `${ms} ms` : formatDuration(ms));

/** How long a step ran: to its end, or until now while it runs. */
export function stepDuration(step: Pick<PipelineRun['steps'][string], 'startedAt' | 'finishedAt' | 'status'>, now = Date.now()): string {
  if (step.startedAt === null) return '—';
  const end = step.finishedAt ?? (step.status === 'running' ? now : null);
  return end === null ? '—' : durationText(end - step.startedAt);
}
