import { asc, eq } from 'drizzle-orm';
import type { DatasetInput, Run } from '../../shared/schemas/tracking.js';
import type { RecordStatement } from '../core/idempotency.js';
import type { ProjectScope, Scope } from '../core/scope.js';
import { versionLinks } from '../datasets/lineage.js';
import { runDetails } from './runs.js';
import { runDatasetInputs, type RunRow } from './schema.js';

/**
 * Records the datasets a run used, in one atomic batch. A dataset is its name and digest: one the run already has
 * (or one given twice) is kept as first logged, tags and all, as MLflow's store does. An input that names an Outpost
 * dataset version (source `outpost://ds/3`, or the version's manifest digest) links the run to it in the same batch.
 * `alongside` joins the batch (a sync item's record in the idempotency ledger).
 */
export async function logDatasetInputs(scope: Pick<Scope, 'db' | 'now' | 'projectId'>, run: RunRow, inputs: DatasetInput[], alongside: RecordStatement[] = []): Promise<void> {
  const { db, now } = scope;
  const at = now();
  const rows = inputs.map(({ dataset: d, tags }) => ({
    runId: run.id,
    name: d.name,
    digest: d.digest,
    sourceType: d.sourceType,
    source: d.source,
    schema: d.schema,
    profile: d.profile,
    tags,
    createdAt: at,
  }));
  // One statement per input: a schema or profile may be large, and D1 bounds parameters per statement.
  const [first, ...rest] = rows.map((row) => db.insert(runDatasetInputs).values(row).onConflictDoNothing());
  if (first) await db.batch([first, ...rest, ...(await versionLinks(scope, run.id, inputs)), ...alongside]);
}

/** The datasets the run used, in the order they were first logged. */
export async function runInputs({ db }: Pick<Scope, 'db'>, run: RunRow): Promise<DatasetInput[]> {
  const rows = await db.select().from(runDatasetInputs).where(eq(runDatasetInputs.runId, run.id)).orderBy(asc(runDatasetInputs.id));
  return rows.map((r) => ({
    dataset: { name: r.name, digest: r.digest, sourceType: r.sourceType, source: r.source, schema: r.schema, profile: r.profile },
    tags: r.tags,
  }));
}

/** The run with its params, tags, latest metrics and the datasets it used (GET /v1/runs/{id}). */
export async function runWithInputs(s: ProjectScope, run: RunRow): Promise<Run & { inputs: DatasetInput[] }> {
  const [[details], inputs] = await Promise.all([runDetails(s, [run]), runInputs(s, run)]);
  return { ...details!, inputs };
}
