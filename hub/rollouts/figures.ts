import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { VersionFigures } from '../../shared/schemas/rollouts.js';
import type { TelemetrySyncItem } from '../../shared/schemas/sync.js';
import { histogramQuantile, mergeHistograms, type LatencyHistogram } from '../../shared/telemetry/histogram.js';
import type { Scope } from '../core/scope.js';
import { mergedHistogram } from '../telemetry/histogram-sql.js';
import { rolloutFigures, rollouts, type RolloutRow } from './schema.js';

type Report = Omit<TelemetrySyncItem, 'id' | 'type'>;

/**
 * Statements adding a telemetry report to the current step of each running rollout of its model that serves its
 * version (as candidate or stable), for the report's own batch: a report counts once, in the step it arrived in.
 */
export async function rolloutFigureStatements({ db }: Pick<Scope, 'db'>, modelId: string, report: Report) {
  const running = await db
    .select({ id: rollouts.id, step: rollouts.step, candidate: rollouts.candidateVersion, stable: rollouts.stableVersion })
    .from(rollouts)
    .where(and(eq(rollouts.modelId, modelId), eq(rollouts.state, 'running'), or(eq(rollouts.candidateVersion, report.version), eq(rollouts.stableVersion, report.version))));
  const f = rolloutFigures;
  return running.map((r) =>
    db
      .insert(f)
      .values({ rolloutId: r.id, step: r.step, side: r.candidate === report.version ? 'candidate' : 'stable', requests: report.count, errors: report.errors, histogram: report.latency.histogram })
      .onConflictDoUpdate({
        target: [f.rolloutId, f.step, f.side],
        set: { requests: sql`${f.requests} + excluded.requests`, errors: sql`${f.errors} + excluded.errors`, histogram: mergedHistogram(f.histogram) },
      }),
  );
}

interface Tally {
  requests: number;
  errors: number;
  histogram: LatencyHistogram;
}
const emptyTally = (): Tally => ({ requests: 0, errors: 0, histogram: {} });
const add = (into: Tally, from: Tally) => ({ requests: into.requests + from.requests, errors: into.errors + from.errors, histogram: mergeHistograms({ ...into.histogram }, from.histogram) });

export const figuresOf = (t: Tally): VersionFigures => ({
  requests: t.requests,
  errors: t.errors,
  errorRate: t.requests ? t.errors / t.requests : null,
  p95Ms: histogramQuantile(t.histogram, 0.95),
});

/** Per rollout: the current step's tallies per side, and the stable side's over every step so far. */
export async function tallies({ db }: Pick<Scope, 'db'>, rows: RolloutRow[]) {
  const out = new Map(rows.map((r) => [r.id, { candidate: emptyTally(), stable: emptyTally(), stableAll: emptyTally() }]));
  if (!rows.length) return out;
  const found = await db.select().from(rolloutFigures).where(inArray(rolloutFigures.rolloutId, rows.map((r) => r.id)));
  const steps = new Map(rows.map((r) => [r.id, r.step]));
  for (const f of found) {
    const t = out.get(f.rolloutId)!;
    if (f.side === 'stable') t.stableAll = add(t.stableAll, f);
    if (f.step === steps.get(f.rolloutId)) t[f.side] = add(t[f.side], f);
  }
  return out;
}
