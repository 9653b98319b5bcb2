import { addLatency, histogramQuantile, type LatencyHistogram } from '../../../shared/telemetry/histogram.js';
import { createModel } from '../../../hub/registry/models.js';
import { SyncDispatcher } from '../../../hub/core/sync/dispatcher.js';
import { readTelemetry } from '../../../hub/telemetry/read.js';
import { recordTelemetry, type TelemetryReport } from '../../../hub/telemetry/record.js';
import { telemetrySyncHandlers } from '../../../hub/telemetry/sync.js';
import { describe, expect, test, type InProcessHub } from '../../helpers/app.js';
import { reportFigures } from '../../helpers/telemetry.js';

const MINUTE = 60_000;
const T0 = 1_750_000_020_000; // 20 s into a minute

/** A device's report for `latencies` successful runs plus `errors` failed ones. */
function report(deviceId: string, latencies: number[], errors = 0, extra: Partial<TelemetryReport> = {}): TelemetryReport {
  return { model: 'digits', version: 1, backend: 'wasm', deviceId, periodStart: T0, periodEnd: T0 + 30_000, ...reportFigures(latencies, errors), ...extra };
}

const record = (hub: InProcessHub, r: TelemetryReport) => recordTelemetry(hub.scope, r);
/** A telemetry outbox item through the sync dispatcher with telemetry's handler, as `/v1/sync` applies it. */
const syncItem = async (hub: InProcessHub, r: TelemetryReport, id: string) =>
  (await new SyncDispatcher().register(telemetrySyncHandlers).apply(hub.scope, [{ id, type: 'telemetry', ...r }])).results[0];
const read = (hub: InProcessHub) => readTelemetry({ ...hub.scope, now: () => T0 + 40 * MINUTE }, { since: T0 - 20_000, until: T0 + 40 * MINUTE, bucket: MINUTE });

describe('telemetry', () => {
  test("folds several devices' reports of one minute into one point, with counts, errors, devices and percentiles", async ({ hub }) => {
    await createModel(hub.scope, 'tester', { name: 'digits' });
    const a = [2, 3, 4, 5, 100];
    const b = [6, 7, 8];
    await record(hub, report('phone-a', a, 1));
    await record(hub, report('phone-b', b, 2, { lastError: 'out of memory' }));
    const merged: LatencyHistogram = {};
    for (const ms of [...a, ...b]) addLatency(merged, ms);
    const { series } = await read(hub);
    expect(series).toHaveLength(1);
    const [s] = series;
    expect(s).toMatchObject({ model: 'digits', version: 1, backend: 'wasm', count: 11, errors: 3, devices: 2, lastError: 'out of memory', lastSeen: T0 + 30_000 });
    expect(s!.p50Ms).toBeCloseTo(histogramQuantile(merged, 0.5)!, 3);
    expect(s!.p95Ms).toBeCloseTo(histogramQuantile(merged, 0.95)!, 3);
    expect(s!.meanMs).toBeCloseTo((114 + 21) / 8, 3);
    expect(s!.points).toEqual([expect.objectContaining({ t: Math.floor(T0 / MINUTE) * MINUTE, count: 11, errors: 3 })]);
  });

  test('stores a synced report once by its item id: a retry changes nothing and is reported as a duplicate', async ({ hub }) => {
    await createModel(hub.scope, 'tester', { name: 'digits' });
    const r = report('phone-a', [5, 6]);
    const id = crypto.randomUUID();
    expect(await syncItem(hub, r, id)).toEqual({ id, status: 'applied' });
    expect(await syncItem(hub, r, id)).toEqual({ id, status: 'duplicate' });
    expect((await read(hub)).series[0]).toMatchObject({ count: 2, devices: 1 });
  });

  test('refuses an impossible report naming the field, and a model that does not exist', async ({ hub }) => {
    await createModel(hub.scope, 'tester', { name: 'digits' });
    await expect(record(hub, report('p', [1], 0, { periodEnd: T0 - 1 }))).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/^periodEnd: /) });
    await expect(record(hub, report('p', [1], 0, { count: 1, errors: 2 }))).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/^errors: /) });
    await expect(record(hub, report('p', [1], 0, { model: 'nope' }))).rejects.toMatchObject({ status: 400, message: 'model: no model named "nope" in this project' });
    expect((await read(hub)).series).toEqual([]);
  });

  test('hides models not exposed to devices from publishable keys, so a name is no existence oracle', async ({ hub }) => {
    await createModel(hub.scope, 'tester', { name: 'digits' });
    const device = { ...hub.scope.principal!, kind: 'publishable' as const, role: 'device' as const };
    const failed = recordTelemetry({ ...hub.scope, principal: device }, report('p', [1]));
    await expect(failed).rejects.toMatchObject({ status: 400, message: 'model: no model named "digits" in this project' });
  });
});
