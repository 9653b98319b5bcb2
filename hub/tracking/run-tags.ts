import { and, eq } from 'drizzle-orm';
import type { Scope } from '../core/scope.js';
import { runTags, type RunRow } from './schema.js';

/** Removes one tag of the run; false when the run has no such tag (nothing changes then). */
export async function deleteRunTag({ db }: Pick<Scope, 'db'>, run: RunRow, key: string): Promise<boolean> {
  const deleted = await db
    .delete(runTags)
    .where(and(eq(runTags.runId, run.id), eq(runTags.key, key)))
    .returning({ key: runTags.key });
  return deleted.length > 0;
}
