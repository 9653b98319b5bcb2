import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createClient } from '@libsql/client';
import type { Digest } from '../../shared/digest.js';
import type { HubConfig } from '../config.js';
import { openLibsql } from '../db/libsql.js';
import { FsBlobStore } from '../platform/node/fs-store.js';
import { BACKUP_FORMAT, blobEntry, DATABASE_ENTRY, embeddedDbPath, MANIFEST_ENTRY, type BackupManifest } from './backup.js';
import { readTar } from './tar.js';

/** Copies a stream into `path` while hashing it; returns the sha256 hex and the size. */
async function writeHashed(body: AsyncIterable<Uint8Array>, path: string): Promise<{ sha256: string; size: number }> {
  await mkdir(dirname(path), { recursive: true });
  const hash = createHash('sha256');
  const out = createWriteStream(path, { flags: 'wx' });
  const closed = new Promise<void>((resolve, reject) => (out.once('close', resolve), out.once('error', reject)));
  let size = 0;
  for await (const chunk of body) {
    hash.update(chunk);
    size += chunk.byteLength;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await closed;
  return { sha256: hash.digest('hex'), size };
}

const isEmptyDir = (dir: string) => !existsSync(dir) || readdirSync(dir).length === 0;

export interface RestoreResult {
  manifest: BackupManifest;
  /** Blobs whose bytes were checked against their digest (all of them, or the restore failed). */
  blobsVerified: number;
  bytes: number;
}

/**
 * Brings a hub's data back from a backup archive into an empty data folder (the configured database file and blob
 * folder must not exist or be empty: a restore never overwrites a hub). Every blob is checked against its digest
 * and size, whether it comes from the archive or, for a backup made with --no-blobs, from `blobsFrom` (a blob folder
 * such as the old hub's); the database file against the manifest's sha256 and SQLite's integrity check, then
 * brought up to this version's schema. Everything lands in a staging folder first and is moved into place only when
 * all of it checked out.
 */
export async function restoreHub(config: HubConfig, file: string, options: { blobsFrom?: string } = {}): Promise<RestoreResult> {
  const dbPath = embeddedDbPath(config);
  if (existsSync(dbPath)) throw new Error(`${dbPath} exists: restore only into an empty data folder (set OUTPOST_DATA_DIR or --data-dir to a new one)`);
  if (!isEmptyDir(join(config.blobDir, 'sha256'))) throw new Error(`${config.blobDir} already holds blobs: restore only into an empty data folder`);
  if (!existsSync(file)) throw new Error(`no backup at ${file}`);
  const staging = join(dirname(dbPath), `.restore-${randomUUID()}`);
  const stagedBlobs = new FsBlobStore(join(staging, 'blobs'));
  const stagedDb = join(staging, DATABASE_ENTRY);
  try {
    await mkdir(staging, { recursive: true });
    let manifest: BackupManifest | undefined;
    const problems: string[] = [];
    const verified = new Set<string>();
    for await (const entry of readTar(createReadStream(file))) {
      if (!manifest) {
        if (entry.name !== MANIFEST_ENTRY) throw new Error(`${file} is not an Outpost backup (its first entry is ${entry.name}, not ${MANIFEST_ENTRY})`);
        const chunks: Uint8Array[] = [];
        for await (const c of entry.body) chunks.push(c);
        manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as BackupManifest;
        if (manifest.format !== BACKUP_FORMAT) throw new Error(`${file} has backup format ${String(manifest.format)}; this version reads ${BACKUP_FORMAT}`);
        continue;
      }
      if (entry.name === DATABASE_ENTRY) {
        const got = await writeHashed(entry.body, stagedDb);
        if (got.sha256 !== manifest.database.sha256 || got.size !== manifest.database.size) problems.push(`the database file does not match the manifest (sha256 ${got.sha256})`);
        continue;
      }
      const listed = manifest.blobs.find((b) => blobEntry(b.digest) === entry.name);
      if (!listed) {
        problems.push(`unexpected entry ${entry.name}`);
        continue;
      }
      const got = await writeHashed(entry.body, stagedBlobs.pathOf(listed.digest));
      if (`sha256:${got.sha256}` !== listed.digest || got.size !== listed.size) problems.push(`blob ${listed.digest} in the archive hashes to sha256:${got.sha256} (${got.size} bytes)`);
      else verified.add(listed.digest);
    }
    if (!manifest) throw new Error(`${file} is empty`);
    if (!existsSync(stagedDb)) problems.push('the archive holds no database');
    const source = options.blobsFrom ? new FsBlobStore(options.blobsFrom) : undefined;
    for (const b of manifest.blobs) {
      if (verified.has(b.digest)) continue;
      if (!source || !(await source.exists(b.digest))) {
        problems.push(`blob ${b.digest} is ${source ? `neither in the archive nor in ${options.blobsFrom}` : 'not in the archive (pass --blobs-from DIR)'}`);
        continue;
      }
      const got = await writeHashed(createReadStream(source.pathOf(b.digest)), stagedBlobs.pathOf(b.digest as Digest));
      if (`sha256:${got.sha256}` !== b.digest || got.size !== b.size) problems.push(`blob ${b.digest} in ${options.blobsFrom} hashes to sha256:${got.sha256} (${got.size} bytes)`);
      else verified.add(b.digest);
    }
    if (problems.length) throw new Error(`the backup did not check out; nothing was restored:\n  ${problems.slice(0, 20).join('\n  ')}${problems.length > 20 ? `\n  … and ${problems.length - 20} more` : ''}`);

    const check = createClient({ url: `file:${stagedDb}` });
    try {
      const result = await check.execute('PRAGMA integrity_check');
      const verdict = String(result.rows[0]?.[0] ?? '');
      if (verdict !== 'ok') throw new Error(`the database in the backup fails SQLite's integrity check: ${verdict}`);
    } finally {
      check.close();
    }
    const upgraded = await openLibsql(`file:${stagedDb}`);
    upgraded.close();

    await mkdir(dirname(dbPath), { recursive: true });
    await rename(stagedDb, dbPath);
    await mkdir(config.blobDir, { recursive: true });
    if (existsSync(join(staging, 'blobs', 'sha256'))) {
      await rm(join(config.blobDir, 'sha256'), { recursive: true, force: true });
      await rename(join(staging, 'blobs', 'sha256'), join(config.blobDir, 'sha256'));
    }
    return { manifest, blobsVerified: verified.size, bytes: manifest.blobs.reduce((n, b) => n + b.size, 0) };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
