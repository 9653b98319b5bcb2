import type { Digest } from '../../shared/digest.js';
import { notFound } from '../../shared/errors.js';
import type { Scope } from '../core/scope.js';
import { assertDevicePublishing } from '../registry/device-publish.js';
import { blobIsStored, findProjectBlob, recordProjectBlob } from './access.js';

export interface Upload {
  /** The bytes, asked for only when they are needed (a secret key's upload of a blob the project has sends none). */
  body: () => ReadableStream<Uint8Array>;
  maxBytes: number;
  declaredSize?: number;
}

/**
 * Stores a blob for the scope's project, streaming while hashing. Publishable keys upload only where device
 * publishing is on, and always send the bytes. A blob the project has is a no-op; one stored by another project is
 * verified against the bytes sent before this project may read it. `created` is true on the project's first upload
 * of the bytes, whether or not another project holds them: what other projects store is no business of this one.
 */
export async function uploadBlob(scope: Scope, digest: Digest, upload: Upload): Promise<{ size: number; created: boolean }> {
  const device = scope.principal?.kind === 'publishable';
  if (device) await assertDevicePublishing(scope, 'upload blobs');
  const mine = await findProjectBlob(scope, digest);
  // A device proves it has the bytes even when the project has them: a digest alone tells it nothing.
  if (mine && !device) return { size: mine.size, created: false };
  const options = { maxBytes: upload.maxBytes, declaredSize: upload.declaredSize };
  const known = (await blobIsStored(scope, digest)) && (await scope.blobs.exists(digest));
  const { size } = known ? await scope.blobs.verify(digest, upload.body(), options) : await scope.blobs.write(digest, upload.body(), options);
  if (mine) return { size, created: false };
  await recordProjectBlob(scope, digest, size);
  return { size, created: true };
}

/** A blob the scope may read: one its project uploaded or references, and for a publishable key one exposed to devices. */
export async function readableBlob(scope: Scope, digest: Digest) {
  const row = await findProjectBlob(scope, digest);
  if (!row || (scope.principal?.kind === 'publishable' && !row.deviceVisible)) throw notFound(`blob ${digest} not found in this project`);
  return row;
}

/**
 * Stores bytes whose digest the caller does not know yet (an artifact sent by path) for the scope's project, and
 * returns the digest they have. Sending the bytes proves the caller has them, so the project may read the blob.
 */
export async function uploadUnaddressedBlob(scope: Pick<Scope, 'db' | 'blobs' | 'projectId'>, upload: Upload): Promise<{ digest: Digest; size: number }> {
  const stored = await scope.blobs.writeUnaddressed(upload.body(), { maxBytes: upload.maxBytes, declaredSize: upload.declaredSize });
  await recordProjectBlob(scope, stored.digest, stored.size);
  return stored;
}
