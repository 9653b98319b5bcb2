import { addLatency, type LatencyHistogram } from '../../shared/telemetry/histogram.js';
import type { Db } from '../db/client.js';
import { recordTelemetry } from '../telemetry/record.js';

const MINUTE = 60_000;
/** The "device" the hub's own inferences are counted under in telemetry. */
export const SERVER_DEVICE_ID = 'hub';

interface Tally {
  projectId: string;
  model: string;
  version: number;
  periodStart: number;
  periodEnd: number;
  count: number;
  errors: number;
  histogram: LatencyHistogram;
  sumMs: number;
  minMs: number;
  maxMs: number;
  lastError?: string;
}

/**
 * Server inferences, counted per model version and minute like a device's, with backend `server`, and written into
 * the same telemetry tables every `flushMs` (and on close), so the Devices page and rollouts see server traffic.
 */
export class ServerTelemetry {
  private tallies = new Map<string, Tally>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly db: Db,
    flushMs: number,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref?.();
  }

  record(projectId: string, model: string, version: number, ms: number | null, error?: string): void {
    const now = Date.now();
    const minute = Math.floor(now / MINUTE) * MINUTE;
    const key = `${projectId}\n${model}\n${version}\n${minute}`;
    let t = this.tallies.get(key);
    if (!t) {
      t = { projectId, model, version, periodStart: now, periodEnd: now, count: 0, errors: 0, histogram: {}, sumMs: 0, minMs: Infinity, maxMs: 0 };
      this.tallies.set(key, t);
    }
    t.count++;
    t.periodEnd = now;
    if (ms === null) {
      t.errors++;
      t.lastError = error?.slice(0, 2000);
      return;
    }
    addLatency(t.histogram, ms);
    t.sumMs += ms;
    t.minMs = Math.min(t.minMs, ms);
    t.maxMs = Math.max(t.maxMs, ms);
  }

  /** Writes what was counted since the last flush; a model deleted meanwhile loses its figures (as a device's would). */
  async flush(): Promise<void> {
    const tallies = [...this.tallies.values()];
    this.tallies = new Map();
    for (const t of tallies) {
      const timed = t.count > t.errors;
      try {
        await recordTelemetry(
          { db: this.db, projectId: t.projectId, principal: null },
          {
            model: t.model,
            version: t.version,
            backend: 'server',
            deviceId: SERVER_DEVICE_ID,
            periodStart: t.periodStart,
            periodEnd: t.periodEnd,
            count: t.count,
            errors: t.errors,
            latency: { histogram: t.histogram, sumMs: t.sumMs, minMs: timed ? t.minMs : 0, maxMs: timed ? t.maxMs : 0 },
            ...(t.lastError ? { lastError: t.lastError } : {}),
          },
        );
      } catch (err) {
        console.error(`[outpost] server telemetry for ${t.model} v${t.version} was dropped: ${(err as Error).message}`);
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
