import { eq } from 'drizzle-orm';
import type { ProjectScope } from '../core/scope.js';
import { metricSummaries, type ModelVersionRow } from '../db/schema.js';

export interface VersionMetrics {
  metrics: Record<string, number>;
  /** The version's own snapshot, its source run's latest values, or nothing. */
  from: 'version' | 'run' | 'none';
}

/** What a gate judges a version by: its metrics snapshot when it has one, else its source run's latest metrics. */
export async function metricsOfVersion(scope: ProjectScope, row: Pick<ModelVersionRow, 'metrics' | 'sourceRunId'>): Promise<VersionMetrics> {
  if (Object.keys(row.metrics).length) return { metrics: row.metrics, from: 'version' };
  if (!row.sourceRunId) return { metrics: {}, from: 'none' };
  return { metrics: await latestRunMetrics(scope, row.sourceRunId), from: 'run' };
}

/** A run's latest value of each metric (highest step; the summary row keeps MLflow's tie rule). */
export async function latestRunMetrics({ db }: ProjectScope, runId: string): Promise<Record<string, number>> {
  const rows = await db.select({ key: metricSummaries.key, value: metricSummaries.lastValue }).from(metricSummaries).where(eq(metricSummaries.runId, runId));
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}
