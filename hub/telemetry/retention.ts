import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';

export interface TelemetryRetentionResult {
  /** Per-minute rows older than the retention: dropped, or with `dryRun` what would be. */
  minutes: number;
  /** Devices not seen within the retention. */
  devices: number;
}

/**
 * Drops device telemetry older than the retention: per-minute figures of minutes that started before it, and devices
 * last seen before it (so "devices seen" counts only the retained window).
 */
export async function dropOldTelemetry(db: Db, options: { retentionMs: number; now: number; dryRun: boolean }): Promise<TelemetryRetentionResult> {
  const before = options.now - options.retentionMs;
  const count = async (table: 'telemetry_minutes' | 'telemetry_devices') => {
    const column = table === 'telemetry_minutes' ? sql`minute` : sql`last_seen`;
    const [row] = await db.all<{ n: number }>(sql`select count(*) as n from ${sql.identifier(table)} where ${column} < ${before}`);
    return Number(row?.n ?? 0);
  };
  const result = { minutes: await count('telemetry_minutes'), devices: await count('telemetry_devices') };
  if (!options.dryRun) {
    await db.batch([db.run(sql`delete from telemetry_minutes where minute < ${before}`), db.run(sql`delete from telemetry_devices where last_seen < ${before}`)]);
  }
  return result;
}
