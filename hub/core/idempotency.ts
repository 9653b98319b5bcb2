import { and, eq } from 'drizzle-orm';
import { isUniqueViolation } from '../db/errors.js';
import { appliedWrites } from './schema.js';
import type { ProjectScope } from './scope.js';

/**
 * A write a client may send more than once (a retried request, a replayed outbox), named by the client's own id:
 * the `Idempotency-Key` of a log batch, a sync item's id, the content hash of an MLflow metric batch. Each user
 * of the ledger prefixes its ids (`log:`, `sync:`, …) so their namespaces never meet.
 */
export interface ClientWrite {
  id: string;
  /** What kind of write it was (`log`, `run.create`, `telemetry`…), kept for whoever reads the ledger. */
  kind: string;
  runId?: string | null;
}

/** The statement that records a write as applied; it goes into the domain's own atomic `db.batch`. */
export type RecordStatement = ReturnType<typeof recordStatement>;

const recordStatement = ({ db, projectId }: ProjectScope, write: ClientWrite) =>
  db.insert(appliedWrites).values({ projectId, clientId: write.id, kind: write.kind, runId: write.runId ?? null, appliedAt: Date.now() });

export async function alreadyApplied({ db, projectId }: ProjectScope, clientId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: appliedWrites.clientId })
    .from(appliedWrites)
    .where(and(eq(appliedWrites.projectId, projectId), eq(appliedWrites.clientId, clientId)));
  return Boolean(row);
}

/**
 * Applies a write at most once. `apply` gets the statement recording the write's id and must put it in the same
 * atomic `db.batch` as the write itself, so both land or neither does. A write already recorded is not applied
 * again; a concurrent twin that recorded it first makes this batch fail on the id's unique key, which is read as
 * a duplicate too.
 */
export async function applyOnce<T>(
  scope: ProjectScope,
  write: ClientWrite,
  apply: (record: RecordStatement) => Promise<T>,
): Promise<{ duplicate: true } | { duplicate: false; value: T }> {
  if (await alreadyApplied(scope, write.id)) return { duplicate: true };
  try {
    return { duplicate: false, value: await apply(recordStatement(scope, write)) };
  } catch (err) {
    if (isUniqueViolation(err) && (await alreadyApplied(scope, write.id))) return { duplicate: true };
    throw err;
  }
}
