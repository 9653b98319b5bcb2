import type { Lease } from '../../shared/schemas/pipelines.js';
import type { AttemptTracking } from '../../shared/pipeline/tracking-run.js';
import type { TrackedRun, TrackOptions } from '../track/run.js';

/**
 * A browser step attempt's tracking run: an `op.track` run (experiment `pipeline:<name>`, source `browser`), so its
 * records go through the outbox like any run on this device. Made on the first `log`; a step that logs nothing makes none.
 */
export class DeviceAttemptRun implements AttemptTracking {
  private run: TrackedRun | null = null;

  constructor(
    private readonly track: (options: TrackOptions) => TrackedRun,
    private readonly lease: Lease,
  ) {}

  private tracked(): TrackedRun {
    const l = this.lease;
    this.run ??= this.track({
      experiment: `pipeline:${l.pipeline}`,
      name: `${l.pipeline}.${l.step}#${l.attempt}`,
      params: l.params,
      tags: { 'outpost.pipeline': `${l.pipeline}/${l.version}`, 'outpost.pipeline.run': l.runId, 'outpost.pipeline.step': l.step, 'outpost.pipeline.attempt': String(l.attempt) },
    });
    return this.run;
  }

  log(metrics: Record<string, number>, step?: number): void {
    this.tracked().log(metrics, step);
  }

  /** The hub's id of the run (the device's id without dashes). */
  async id(): Promise<string> {
    return hubRunId(this.tracked().id);
  }

  async finish(ok: boolean): Promise<string | null> {
    if (!this.run) return null;
    await this.run.finish(ok ? 'FINISHED' : 'FAILED');
    return hubRunId(this.run.id);
  }
}

const hubRunId = (id: string) => id.replace(/-/g, '').toLowerCase();
