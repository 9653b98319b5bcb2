import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { runTags } from '../db/schema.js';

/**
 * Removes one tag of a run; false when the run has no such tag (MLflow answers that with RESOURCE_DOES_NOT_EXIST).
 * The tracking domain has no tag deletion of its own, so this is the only writer that removes run tags.
 */
export async function deleteRunTag(db: Db, runId: string, key: string): Promise<boolean> {
  const deleted = await db
    .delete(runTags)
    .where(and(eq(runTags.runId, runId), eq(runTags.key, key)))
    .returning({ key: runTags.key });
  return deleted.length > 0;
}
