import type { Backend, TelemetrySyncItem } from '../../shared/index.js';
import { addLatency, type LatencyHistogram } from '../../shared/telemetry/histogram.js';

type Period = TelemetrySyncItem & { latency: { histogram: LatencyHistogram; sumMs: number; minMs: number; maxMs: number } };

/**
 * Every model.run lands here: counts, errors and a latency histogram per model, version and backend, cut into
 * periods that become one outbox item each (so a busy page sends a few items a minute, not one per run).
 * A period gets its client id when it opens, so a saved snapshot of it and the final item are the same record
 * to the hub, which applies an id once.
 */
export class TelemetryAggregator {
  private periods = new Map<string, Period>();
  constructor(private readonly deviceId: string) {}

  record(model: string, version: number, backend: Backend, ms: number | null, error?: string): void {
    const key = `${model}\n${version}\n${backend}`;
    const now = Date.now();
    let p = this.periods.get(key);
    if (!p) {
      p = { id: crypto.randomUUID(), type: 'telemetry', model, version, backend, deviceId: this.deviceId, periodStart: now, periodEnd: now, count: 0, errors: 0, latency: { histogram: {}, sumMs: 0, minMs: 0, maxMs: 0 } };
      this.periods.set(key, p);
    }
    p.count++;
    p.periodEnd = now;
    if (error !== undefined) {
      p.errors++;
      p.lastError = error.slice(0, 2000);
    } else if (ms !== null) {
      const l = p.latency;
      const first = p.count - p.errors === 1;
      addLatency(l.histogram, ms);
      l.sumMs += ms;
      l.minMs = first ? ms : Math.min(l.minMs, ms);
      l.maxMs = first ? ms : Math.max(l.maxMs, ms);
    }
  }

  get size(): number {
    return this.periods.size;
  }

  /** A copy of the open periods, as they would be sent now. */
  snapshot(): TelemetrySyncItem[] {
    return structuredClone([...this.periods.values()]);
  }

  /** Closes the open periods and hands them over as sync items. */
  drain(): TelemetrySyncItem[] {
    const items = [...this.periods.values()];
    this.periods.clear();
    return items;
  }
}
