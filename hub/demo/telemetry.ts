import type { Backend } from '../../shared/schemas/telemetry.js';
import { addLatency, type LatencyHistogram } from '../../shared/telemetry/histogram.js';
import type { Scope } from '../core/scope.js';
import { recordTelemetry } from '../telemetry/record.js';

const HALF_HOUR = 1_800_000;
const DAY = 86_400_000;

/** Made-up devices of the demo: which model version each runs, on which backend, and how fast. */
const DEVICES: Array<{ id: string; model: string; version: number; backend: Backend; medianMs: number; runsPerPeriod: number; errorRate: number; error?: string }> = [
  { id: 'demo-pixel-8', model: 'digits', version: 2, backend: 'webgpu', medianMs: 1.4, runsPerPeriod: 60, errorRate: 0.004, error: 'WebGPU device was lost: GPU process restarted' },
  { id: 'demo-macbook-air', model: 'digits', version: 2, backend: 'webgpu', medianMs: 0.9, runsPerPeriod: 90, errorRate: 0 },
  { id: 'demo-chromebook', model: 'digits', version: 2, backend: 'wasm', medianMs: 0.6, runsPerPeriod: 40, errorRate: 0 },
  { id: 'demo-kiosk-1', model: 'digits', version: 1, backend: 'wasm', medianMs: 0.5, runsPerPeriod: 30, errorRate: 0.01, error: 'input "x" expects 64 values, got 63' },
  { id: 'demo-iphone-15', model: 'digits-tfjs', version: 1, backend: 'webgl', medianMs: 2.6, runsPerPeriod: 25, errorRate: 0 },
  { id: 'demo-old-laptop', model: 'digits-tfjs', version: 1, backend: 'wasm', medianMs: 3.8, runsPerPeriod: 15, errorRate: 0.002, error: 'RangeError: WebAssembly.Memory(): could not allocate memory' },
];

/** More use by day than by night, so the Devices page's chart has a shape. */
const dailyLoad = (t: number) => 0.35 + 0.65 * Math.max(0, Math.sin(((t % DAY) / DAY) * 2 * Math.PI - Math.PI / 2));

/**
 * DEMO DATA, not measurements: a day of half-hourly reports from six made-up devices (ids `demo-…`) for the demo
 * models, written through the same `recordTelemetry` as `/v1/sync`, so the console's Devices page has something
 * to show on first start. Latencies are log-normal around each device's median; a few runs fail.
 */
export async function seedDemoTelemetry(scope: Scope, random: () => number): Promise<void> {
  const now = scope.now();
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const end = Math.floor(now / HALF_HOUR) * HALF_HOUR;
  for (let periodStart = end - DAY; periodStart < end; periodStart += HALF_HOUR) {
    for (const device of DEVICES) {
      const runs = Math.round(device.runsPerPeriod * dailyLoad(periodStart) * (0.7 + 0.6 * random()));
      if (runs === 0) continue;
      let errors = 0;
      const histogram: LatencyHistogram = {};
      const latency = { histogram, sumMs: 0, minMs: Infinity, maxMs: 0 };
      for (let i = 0; i < runs; i++) {
        if (random() < device.errorRate) {
          errors++;
          continue;
        }
        const ms = device.medianMs * Math.exp(0.35 * normal());
        addLatency(histogram, ms);
        latency.sumMs += ms;
        latency.minMs = Math.min(latency.minMs, ms);
        latency.maxMs = Math.max(latency.maxMs, ms);
      }
      if (latency.minMs === Infinity) latency.minMs = 0;
      const report = {
        model: device.model,
        version: device.version,
        backend: device.backend,
        deviceId: device.id,
        periodStart,
        periodEnd: periodStart + HALF_HOUR - 1,
        count: runs,
        errors,
        latency,
        ...(errors > 0 && device.error ? { lastError: device.error } : {}),
      };
      await recordTelemetry(scope, report);
    }
  }
}
