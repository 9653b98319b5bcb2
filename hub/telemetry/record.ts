import { and, eq, sql } from 'drizzle-orm';
import { OutpostError } from '../../shared/errors.js';
import type { KeyKind } from '../../shared/ids.js';
import type { TelemetrySyncItem } from '../../shared/schemas/sync.js';
import type { Scope } from '../core/scope.js';
import { registeredModels, telemetryDevices, telemetryMinutes } from '../db/schema.js';
import { rolloutFigureStatements } from '../rollouts/figures.js';
import { mergedHistogram } from './histogram-sql.js';

const MINUTE = 60_000;

/** One device's figures for one period: a telemetry sync item without its envelope. */
export type TelemetryReport = Omit<TelemetrySyncItem, 'id' | 'type'>;

/** A report that cannot be stored; the message starts with the field at fault, like validation errors do. */
const invalid = (field: string, message: string) => new OutpostError(400, 'validation_failed', `${field}: ${message}`, [{ path: field, message }]);

function checkReport(report: TelemetryReport): void {
  if (report.periodEnd < report.periodStart) throw invalid('periodEnd', `${report.periodEnd} is before periodStart ${report.periodStart}`);
  if (report.errors > report.count) throw invalid('errors', `${report.errors} is more than count ${report.count}`);
  const timed = Object.values(report.latency.histogram).reduce((n, c) => n + c, 0);
  const succeeded = report.count - report.errors;
  if (timed > succeeded) throw invalid('latency.histogram', `holds ${timed} runs, more than the ${succeeded} that succeeded (count - errors)`);
}

/** The model's id; a publishable key sees only models exposed to devices, so names are no existence oracle. */
async function reportedModelId({ db, projectId }: Pick<Scope, 'db' | 'projectId'>, keyKind: KeyKind, name: string): Promise<string> {
  const [model] = await db
    .select({ id: registeredModels.id, devices: registeredModels.devices })
    .from(registeredModels)
    .where(and(eq(registeredModels.projectId, projectId), eq(registeredModels.name, name)));
  if (!model || (keyKind === 'publishable' && !model.devices)) throw invalid('model', `no model named "${name}" in this project`);
  return model.id;
}


/** min/max that ignore a null side (a minute or report with no successful run has no latency bounds). */
const least = (column: typeof telemetryMinutes.latencyMinMs, incoming: string) => sql`coalesce(min(${column}, ${sql.raw(incoming)}), ${column}, ${sql.raw(incoming)})`;
const greatest = (column: typeof telemetryMinutes.latencyMaxMs, incoming: string) => sql`coalesce(max(${column}, ${sql.raw(incoming)}), ${column}, ${sql.raw(incoming)})`;

/**
 * Stores one device report: the minute's aggregate and the device's row go in one atomic batch with `alongside`
 * (the sync item's record in the idempotency ledger), and every aggregate is folded in SQL, so reports from many
 * devices into the same minute all count. Work the hub does itself (no principal) counts as a secret key's.
 */
export async function recordTelemetry(scope: Pick<Scope, 'db' | 'projectId' | 'principal'>, report: TelemetryReport, alongside: unknown[] = []): Promise<void> {
  const { db, projectId } = scope;
  checkReport(report);
  const modelId = await reportedModelId(scope, scope.principal?.kind ?? 'secret', report.model);

  const series = { projectId, modelId, version: report.version, backend: report.backend };
  const timed = Object.keys(report.latency.histogram).length > 0;
  const m = telemetryMinutes;
  const minute = db
    .insert(m)
    .values({
      ...series,
      minute: Math.floor(report.periodStart / MINUTE) * MINUTE,
      count: report.count,
      errors: report.errors,
      latencySumMs: report.latency.sumMs,
      latencyMinMs: timed ? report.latency.minMs : null,
      latencyMaxMs: timed ? report.latency.maxMs : null,
      histogram: report.latency.histogram,
      lastError: report.lastError ?? null,
      lastErrorAt: report.lastError ? report.periodEnd : null,
      lastSeen: report.periodEnd,
    })
    .onConflictDoUpdate({
      target: [m.projectId, m.modelId, m.version, m.backend, m.minute],
      set: {
        count: sql`${m.count} + excluded.count`,
        errors: sql`${m.errors} + excluded.errors`,
        latencySumMs: sql`${m.latencySumMs} + excluded.latency_sum_ms`,
        latencyMinMs: least(m.latencyMinMs, 'excluded.latency_min_ms'),
        latencyMaxMs: greatest(m.latencyMaxMs, 'excluded.latency_max_ms'),
        histogram: mergedHistogram(m.histogram),
        lastError: sql`CASE WHEN excluded.last_error_at >= coalesce(${m.lastErrorAt}, 0) THEN excluded.last_error ELSE ${m.lastError} END`,
        lastErrorAt: sql`CASE WHEN excluded.last_error_at >= coalesce(${m.lastErrorAt}, 0) THEN excluded.last_error_at ELSE ${m.lastErrorAt} END`,
        lastSeen: sql`max(${m.lastSeen}, excluded.last_seen)`,
      },
    });
  const d = telemetryDevices;
  const device = db
    .insert(d)
    .values({ ...series, deviceId: report.deviceId, firstSeen: report.periodStart, lastSeen: report.periodEnd })
    .onConflictDoUpdate({
      target: [d.projectId, d.modelId, d.version, d.backend, d.deviceId],
      set: { firstSeen: sql`min(${d.firstSeen}, excluded.first_seen)`, lastSeen: sql`max(${d.lastSeen}, excluded.last_seen)` },
    });
  await db.batch([...alongside, minute, device, ...(await rolloutFigureStatements(scope, modelId, report))] as never);
}
