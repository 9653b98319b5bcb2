import { sql } from 'drizzle-orm';
import { badRequest } from '../../../shared/errors.js';
import type { SeriesWindow } from '../../../shared/schemas/tracking.js';
import type { ProjectScope } from '../../core/scope.js';

/**
 * What one series read may cost, checked from the chunk index (no blob read) before any work starts, so no key can
 * ask the hub to hold more than this in memory: series per request, stored points read, points in the reply.
 */
export const SERIES_BUDGET = {
  series: 1000,
  readPoints: 10_000_000,
  replyPoints: 1_000_000,
} as const;

/** Refuses a read of these (run, key) series beyond SERIES_BUDGET, naming the limit and what to ask for instead. */
export async function checkSeriesBudget(s: ProjectScope, runIds: string[], keys: string[], window: SeriesWindow): Promise<void> {
  const series = runIds.length * keys.length;
  if (series > SERIES_BUDGET.series) {
    throw badRequest(`${runIds.length} runs × ${keys.length} keys is ${series} series; one request reads at most ${SERIES_BUDGET.series} (split it)`);
  }
  const read = await storedPoints(s, runIds, keys, window);
  if (read > SERIES_BUDGET.readPoints) {
    throw badRequest(`these series hold ${read} points; one request reads at most ${SERIES_BUDGET.readPoints} (narrow minStep/maxStep or ask for fewer series)`);
  }
  const reply = window.maxPoints ? Math.min(read, series * window.maxPoints) : read;
  if (reply > SERIES_BUDGET.replyPoints) {
    throw badRequest(`the reply would hold up to ${reply} points; one reply holds at most ${SERIES_BUDGET.replyPoints} (set maxPoints, narrow minStep/maxStep or ask for fewer series)`);
  }
}

/** The stored points of these series within the step range, an upper bound counted from whole chunks. */
export async function storedPoints(s: ProjectScope, runIds: string[], keys: string[], window: SeriesWindow = {}): Promise<number> {
  const where = [sql`run_id IN (SELECT value FROM json_each(${JSON.stringify(runIds)}))`, sql`key IN (SELECT value FROM json_each(${JSON.stringify(keys)}))`];
  if (window.maxStep !== undefined) where.push(sql`min_step <= ${window.maxStep}`);
  if (window.minStep !== undefined) where.push(sql`max_step >= ${window.minStep}`);
  const [row] = await s.db.all<{ n: number | null }>(sql`SELECT sum(count) AS n FROM metric_chunks WHERE ${sql.join(where, sql` AND `)}`);
  return Number(row?.n ?? 0);
}
