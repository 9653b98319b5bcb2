import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createClient } from '@libsql/client';
import type { Digest } from '../../shared/digest.js';
import type { HubConfig } from '../config.js';
import { FsBlobStore } from '../platform/node/fs-store.js';
import { VERSION } from '../version.js';
import { TarWriter } from './tar.js';

export const BACKUP_FORMAT = 'outpost-backup/1';
export const MANIFEST_ENTRY = 'outpost-backup.json';
export const DATABASE_ENTRY = 'hub.db';
export const blobEntry = (digest: string) => `blobs/sha256/${digest.slice(7, 9)}/${digest.slice(9)}`;

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  createdAt: string;
  hubVersion: string;
  database: { entry: string; size: number; sha256: string };
  /** Every blob the snapshot knows, with its size; the archive holds their bytes unless `blobsIncluded` is false. */
  blobs: Array<{ digest: Digest; size: number }>;
  blobsIncluded: boolean;
}

/** The path of the embedded database, or an error saying why a backup cannot be made from here. */
export function embeddedDbPath(config: HubConfig): string {
  if (!config.dbUrl.startsWith('file:')) {
    throw new Error(`backup and restore work on the embedded database (a file: URL); OUTPOST_DB_URL is ${config.dbUrl.replace(/\/\/[^@/]*@/, '//…@')}: use that service's own backups`);
  }
  return config.dbUrl.slice('file:'.length);
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Writes a backup archive of the hub's data to `file`: a consistent snapshot of the database taken with
 * `VACUUM INTO` (one read transaction, so the hub keeps serving and writing meanwhile), a manifest of every blob
 * that snapshot knows, and (unless `blobs` is false) those blobs' bytes. Blobs are immutable and `outpost gc` spares
 * young ones, so the files match the snapshot. The archive is written beside `file` and renamed into place: a
 * failed backup leaves no partial file.
 */
export async function backupHub(config: HubConfig, file: string, options: { blobs: boolean }): Promise<BackupManifest> {
  const dbPath = embeddedDbPath(config);
  if (!existsSync(dbPath)) throw new Error(`no database at ${dbPath} (OUTPOST_DATA_DIR / OUTPOST_DB_URL): nothing to back up`);
  const partial = join(dirname(file), `.${randomUUID()}.outpost-backup.partial`);
  const snapshot = `${partial}.db`;
  try {
    const live = createClient({ url: config.dbUrl });
    try {
      await live.execute('PRAGMA busy_timeout = 10000');
      await live.execute({ sql: 'VACUUM INTO ?', args: [snapshot] });
    } finally {
      live.close();
    }
    const copy = createClient({ url: `file:${snapshot}` });
    let blobs: BackupManifest['blobs'];
    try {
      const rows = await copy.execute('select digest, size from blobs order by digest');
      blobs = rows.rows.map((r) => ({ digest: String(r.digest) as Digest, size: Number(r.size) }));
    } finally {
      copy.close();
    }
    const store = new FsBlobStore(config.blobDir);
    if (options.blobs) {
      const missing: string[] = [];
      for (const b of blobs) if (!(await store.exists(b.digest))) missing.push(b.digest);
      if (missing.length) {
        throw new Error(`${missing.length} blob file(s) the database lists are missing from ${config.blobDir} (first: ${missing.slice(0, 3).join(', ')}); back up the database alone with --no-blobs`);
      }
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      createdAt: new Date().toISOString(),
      hubVersion: VERSION,
      database: { entry: DATABASE_ENTRY, size: (await stat(snapshot)).size, sha256: await sha256File(snapshot) },
      blobs,
      blobsIncluded: options.blobs,
    };
    const out = createWriteStream(partial, { flags: 'wx' });
    const closed = new Promise<void>((resolve, reject) => (out.once('close', resolve), out.once('error', reject)));
    const tar = new TarWriter(out);
    const json = Buffer.from(JSON.stringify(manifest, null, 2));
    await tar.add(MANIFEST_ENTRY, json.byteLength, [json]);
    await tar.add(DATABASE_ENTRY, manifest.database.size, createReadStream(snapshot));
    if (options.blobs) for (const b of blobs) await tar.add(blobEntry(b.digest), b.size, createReadStream(store.pathOf(b.digest)));
    await tar.finish();
    out.end();
    await closed;
    await rename(partial, file);
    return manifest;
  } finally {
    await rm(snapshot, { force: true });
    await rm(partial, { force: true });
  }
}
