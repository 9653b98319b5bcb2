import { sql } from 'drizzle-orm';
import type { Digest } from '../../shared/digest.js';
import type { Db } from '../db/client.js';
import type { BlobStore } from './store.js';
import { referencedDigests } from './references.js';

export interface BlobGcResult {
  /** Unreferenced blobs past the grace period: deleted, or with `dryRun` what would be. */
  blobs: Array<{ digest: Digest; size: number }>;
  bytes: number;
}

/** Deletes at most this many blobs per statement (D1 keeps statements under 100 bound parameters). */
const SLICE = 50;

/**
 * Deletes blobs that nothing refers to any more (`referencedDigests`) and that no project uploaded or was granted
 * within the grace period: a client uploads a model's files first and registers the version that names them after,
 * so a fresh blob is not garbage yet. Rows go first, in one batch per slice that checks the rules again (an upload or
 * a reference landing meanwhile keeps its blob); then the bytes, unless a new upload brought the row back.
 */
export async function collectBlobs(db: Db, store: BlobStore, options: { graceMs: number; now: number; dryRun: boolean }): Promise<BlobGcResult> {
  const before = options.now - options.graceMs;
  const stale = sql`
    b.created_at < ${before}
    and not exists (select 1 from project_blobs g where g.digest = b.digest and g.created_at >= ${before})
    and b.digest not in (${referencedDigests})`;
  const rows = await db.all<{ digest: Digest; size: number }>(sql`select b.digest as digest, b.size as size from blobs b where ${stale} order by b.digest`);
  if (!options.dryRun) {
    for (let i = 0; i < rows.length; i += SLICE) {
      const slice = rows.slice(i, i + SLICE).map((r) => r.digest);
      const inSlice = sql.join(slice.map((d) => sql`${d}`), sql`, `);
      await db.batch([
        db.run(sql`delete from project_blobs where digest in (select b.digest from blobs b where b.digest in (${inSlice}) and ${stale})`),
        db.run(sql`delete from blobs where digest in (select b.digest from blobs b where b.digest in (${inSlice}) and ${stale})`),
      ]);
      const kept = await db.all<{ digest: Digest }>(sql`select digest from blobs where digest in (${inSlice})`);
      const keep = new Set(kept.map((k) => k.digest));
      for (const digest of slice) if (!keep.has(digest)) await store.delete(digest);
    }
  }
  return { blobs: rows, bytes: rows.reduce((n, r) => n + r.size, 0) };
}
