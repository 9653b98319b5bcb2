import type { HubClient } from '../client/hub-client.js';
import type { Lease } from '../schemas/pipelines.js';
import type { StepTrackingRun } from './define.js';

/** An attempt's tracking run as a runner drives it: `finish` resolves with the run's hub id, or null when the step logged nothing. */
export interface AttemptTracking extends StepTrackingRun {
  finish(ok: boolean): Promise<string | null>;
}

type Experiment = { id: string; name: string };

/** The experiment a pipeline's steps log into (`pipeline:<name>`), made on first use; a concurrent twin's is read back. */
async function experimentFor(hub: HubClient, name: string): Promise<string> {
  const find = async () => (await hub.json<{ experiments: Experiment[] }>('GET', '/v1/experiments')).experiments.find((e) => e.name === name)?.id;
  const found = await find();
  if (found) return found;
  const res = await hub.send('/v1/experiments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) }, [409]);
  if (res.ok) return ((await res.json()) as { experiment: Experiment }).experiment.id;
  return (await find())!;
}

/**
 * A step attempt's tracking run: made through the native API on the first `log` (a step that logs nothing makes
 * none), its metrics sent in one batch when the step ends, then finished with the step's outcome.
 */
export class AttemptRun implements AttemptTracking {
  private runId: Promise<string> | null = null;
  private readonly points = new Map<string, { steps: number[]; values: number[]; timestamps: number[] }>();

  constructor(
    private readonly hub: HubClient,
    private readonly lease: Lease,
  ) {}

  log(metrics: Record<string, number>, step?: number) {
    void this.id();
    const now = Date.now();
    for (const [key, value] of Object.entries(metrics)) {
      const series = this.points.get(key) ?? { steps: [], values: [], timestamps: [] };
      series.steps.push(step ?? series.steps.length);
      series.values.push(value);
      series.timestamps.push(now);
      this.points.set(key, series);
    }
  }

  id(): Promise<string> {
    this.runId ??= (async () => {
      const l = this.lease;
      const experimentId = await experimentFor(this.hub, `pipeline:${l.pipeline}`);
      const params = Object.fromEntries(Object.entries(l.params).map(([k, v]) => [k, String(v)]));
      const tags = { 'outpost.pipeline': `${l.pipeline}/${l.version}`, 'outpost.pipeline.run': l.runId, 'outpost.pipeline.step': l.step, 'outpost.pipeline.attempt': String(l.attempt) };
      const reply = await this.hub.json<{ run: { id: string } }>('POST', '/v1/runs', { experimentId, name: `${l.pipeline}.${l.step}#${l.attempt}`, source: 'cli', params, tags });
      return reply.run.id;
    })();
    return this.runId;
  }

  /** Sends the metrics and finishes the run; null when the step never logged. */
  async finish(ok: boolean): Promise<string | null> {
    if (!this.runId) return null;
    const id = await this.runId;
    const metrics = [...this.points].map(([key, s]) => ({ key, ...s }));
    if (metrics.length) await this.hub.json('POST', `/v1/runs/${id}/log`, { metrics });
    await this.hub.json('PATCH', `/v1/runs/${id}`, { status: ok ? 'FINISHED' : 'FAILED', endTime: Date.now() });
    return id;
  }
}
