import { and, eq, sql } from 'drizzle-orm';
import { conflict } from '../../shared/errors.js';
import type { Digest } from '../../shared/digest.js';
import type { ProjectScope } from '../core/scope.js';
import { runArtifacts, type RunRow } from '../db/schema.js';
import { findProjectBlob } from '../blobs/access.js';

export interface ArtifactEntry {
  path: string;
  isDir: boolean;
  size: number | null;
  digest: string | null;
}

/** Records a file of the run at `path`, pointing at a blob the project already has. Putting the same path again replaces it. */
export async function putArtifact(scope: ProjectScope, run: RunRow, path: string, digest: Digest): Promise<ArtifactEntry> {
  const blob = await findProjectBlob(scope, digest);
  if (!blob) throw conflict(`blob ${digest} is not uploaded to this project; PUT /v1/blobs/${digest} first`, { missing: [digest] });
  await scope.db
    .insert(runArtifacts)
    .values({ runId: run.id, path, digest, size: blob.size, createdAt: Date.now() })
    .onConflictDoUpdate({ target: [runArtifacts.runId, runArtifacts.path], set: { digest, size: blob.size } });
  return { path, isDir: false, size: blob.size, digest };
}

/** The direct children of a folder of the run's artifacts (the root when `dir` is empty), folders first. */
export async function listArtifacts({ db }: ProjectScope, run: RunRow, dir = ''): Promise<ArtifactEntry[]> {
  const prefix = dir.replace(/^\/+|\/+$/g, '');
  const rows = await db
    .select()
    .from(runArtifacts)
    .where(and(eq(runArtifacts.runId, run.id), prefix ? sql`substr(${runArtifacts.path}, 1, ${prefix.length + 1}) = ${`${prefix}/`}` : undefined));
  const entries = new Map<string, ArtifactEntry>();
  for (const row of rows) {
    const rest = prefix ? row.path.slice(prefix.length + 1) : row.path;
    const slash = rest.indexOf('/');
    const path = prefix ? `${prefix}/${slash < 0 ? rest : rest.slice(0, slash)}` : slash < 0 ? rest : rest.slice(0, slash);
    if (slash < 0) entries.set(path, { path, isDir: false, size: row.size, digest: row.digest });
    else if (!entries.has(path)) entries.set(path, { path, isDir: true, size: null, digest: null });
  }
  return [...entries.values()].sort((a, b) => Number(b.isDir) - Number(a.isDir) || a.path.localeCompare(b.path));
}
