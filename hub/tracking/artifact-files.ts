import { and, eq } from 'drizzle-orm';
import type { Digest } from '../../shared/digest.js';
import { uploadUnaddressedBlob, type Upload } from '../blobs/upload.js';
import type { Scope } from '../core/scope.js';
import { putArtifact, type ArtifactEntry } from './artifacts.js';
import { runArtifacts, type RunRow } from './schema.js';

/**
 * A run's artifacts as files sent and fetched by path (MLflow's artifact proxy): the bytes become a project blob,
 * content-addressed like every other, and the run's file at `path` points at it.
 */
export async function uploadRunArtifact(s: Pick<Scope, 'db' | 'blobs' | 'projectId'>, run: RunRow, path: string, upload: Upload): Promise<ArtifactEntry> {
  const { digest } = await uploadUnaddressedBlob(s, upload);
  return putArtifact(s, run, path, digest);
}

/** The run's file at `path` with its bytes, or null when the run has no file there (a folder is not a file). */
export async function readRunArtifact(s: Pick<Scope, 'db' | 'blobs'>, run: RunRow, path: string) {
  const [row] = await s.db.select().from(runArtifacts).where(and(eq(runArtifacts.runId, run.id), eq(runArtifacts.path, path)));
  if (!row) return null;
  const body = await s.blobs.read(row.digest as Digest);
  return body && { size: row.size, digest: row.digest, body };
}
