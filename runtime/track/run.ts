import type { MetricColumns } from '../../shared/schemas/tracking.js';
import type { RunStatus } from '../../shared/schemas/tracking.js';
import type { Outbox } from '../sync/outbox.js';

export interface TrackOptions {
  experiment?: string;
  name?: string;
  params?: Record<string, string | number | boolean>;
  tags?: Record<string, string>;
}

const strings = (o: Record<string, string | number | boolean> | undefined) => (o ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)])) : undefined);

/**
 * A run logged from this device. Calls return at once; records go to the outbox in call order and reach the hub
 * when it can be reached, each exactly once. Log calls made within a moment of each other share one record.
 */
export class TrackedRun {
  readonly id = crypto.randomUUID();
  private readonly steps = new Map<string, number>();
  private buffered = new Map<string, MetricColumns>();
  private writes: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private finished = false;

  constructor(
    private readonly outbox: Outbox,
    options: TrackOptions,
    deviceId: string,
  ) {
    const { experiment = 'on-device', name, params, tags } = options;
    this.enqueue({ id: crypto.randomUUID(), type: 'run.create', runId: this.id, experiment, name, startTime: Date.now(), deviceId, source: 'browser', params: strings(params), tags });
  }

  /** Metrics at a step; without a step each key counts 0, 1, 2… */
  log(metrics: Record<string, number>, step?: number): void {
    this.assertOpen();
    const now = Date.now();
    for (const [key, value] of Object.entries(metrics)) {
      const s = step ?? this.steps.get(key) ?? 0;
      this.steps.set(key, s + 1);
      const col = this.buffered.get(key) ?? { key, steps: [], values: [], timestamps: [] };
      col.steps.push(s);
      col.values.push(value);
      col.timestamps!.push(now);
      this.buffered.set(key, col);
    }
    this.timer ??= setTimeout(() => this.writeMetrics(), 200);
  }

  logParams(params: Record<string, string | number | boolean>): void {
    this.assertOpen();
    this.enqueue({ id: crypto.randomUUID(), type: 'run.log', runId: this.id, params: strings(params) });
  }

  setTags(tags: Record<string, string>): void {
    this.assertOpen();
    this.enqueue({ id: crypto.randomUUID(), type: 'run.log', runId: this.id, tags });
  }

  /** Records dataset versions the run read (`ds/3`; an alias is resolved when the record reaches the hub) as its inputs. */
  logDatasets(datasets: { ref: string; context?: string }[]): void {
    this.assertOpen();
    this.enqueue({ id: crypto.randomUUID(), type: 'run.datasets', runId: this.id, datasets });
  }

  /** Ends the run; resolves once every record of it is safe in the outbox (not yet sent). */
  finish(status: Extract<RunStatus, 'FINISHED' | 'FAILED' | 'KILLED'> = 'FINISHED'): Promise<void> {
    if (!this.finished) {
      this.writeMetrics();
      this.enqueue({ id: crypto.randomUUID(), type: 'run.finish', runId: this.id, status, endTime: Date.now() });
      this.finished = true;
    }
    return this.writes;
  }

  /** Resolves when everything logged so far is in the outbox. */
  settled(): Promise<void> {
    this.writeMetrics();
    return this.writes;
  }

  private writeMetrics(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.buffered.size) return;
    const metrics = [...this.buffered.values()];
    this.buffered = new Map();
    this.enqueue({ id: crypto.randomUUID(), type: 'run.log', runId: this.id, metrics });
  }

  private enqueue(item: Parameters<Outbox['add']>[0][number]): void {
    this.writes = this.writes.then(() => this.outbox.add([item]));
  }

  private assertOpen(): void {
    if (this.finished) throw new Error(`run ${this.id} is finished: start a new one with op.track()`);
  }
}
