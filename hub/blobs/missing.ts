import { sql } from 'drizzle-orm';
import type { ProjectScope } from '../core/scope.js';

/**
 * Which of these digests the project has no blob for, in the order asked, each once: what a push must upload. One
 * statement whatever the count (the list is bound as one JSON parameter). Bytes other projects hold count as missing:
 * uploading them is how this project proves it has them.
 */
export async function missingDigests({ db, projectId }: ProjectScope, digests: string[]): Promise<string[]> {
  if (!digests.length) return [];
  const rows = await db.all<{ digest: string }>(sql`
    select j.value as digest from json_each(${JSON.stringify(digests)}) j
    where not exists (select 1 from project_blobs pb where pb.project_id = ${projectId} and pb.digest = j.value)
    order by j.key`);
  return [...new Set(rows.map((r) => r.digest))];
}
