import { and, eq } from 'drizzle-orm';
import type { Digest } from '../../shared/digest.js';
import { conflict } from '../../shared/errors.js';
import type { ProjectScope } from '../core/scope.js';
import type { BlobStore } from './store.js';
import { blobs, projectBlobs } from '../db/schema.js';

/** The blob as the project sees it: null when it does not exist or the project has never uploaded or referenced it. */
export async function findProjectBlob({ db, projectId }: ProjectScope, digest: Digest) {
  const [row] = await db
    .select({ size: blobs.size, deviceVisible: projectBlobs.deviceVisible })
    .from(projectBlobs)
    .innerJoin(blobs, eq(blobs.digest, projectBlobs.digest))
    .where(and(eq(projectBlobs.projectId, projectId), eq(projectBlobs.digest, digest)));
  return row ?? null;
}

export async function blobIsStored({ db }: ProjectScope, digest: Digest): Promise<boolean> {
  const [row] = await db.select({ digest: blobs.digest }).from(blobs).where(eq(blobs.digest, digest));
  return Boolean(row);
}

/** Records that the blob is stored and that the project may read it; both idempotent. */
export async function recordProjectBlob({ db, projectId }: ProjectScope, digest: Digest, size: number): Promise<void> {
  await db.batch([
    db.insert(blobs).values({ digest, size, createdAt: new Date() }).onConflictDoNothing(),
    db.insert(projectBlobs).values({ projectId, digest, deviceVisible: false, createdAt: new Date() }).onConflictDoNothing(),
  ]);
}

/** A stored blob's bytes, whole (callers check its size first); one recorded but missing from the store is a 409. */
export async function readWholeBlob(blobs: BlobStore, digest: string): Promise<Uint8Array> {
  const stream = await blobs.read(digest as Digest);
  if (!stream) throw conflict(`blob ${digest} is recorded but missing from the store`);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
