import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashKey } from '../../../hub/auth/hash.js';
import { findKeyByHash, revokeKey } from '../../../hub/auth/keys.js';
import { openLibsql } from '../../../hub/db/libsql.js';
import { openReadConnection } from '../../../hub/db/read-connection.js';
import { ensureDefaultProject } from '../../../hub/projects/projects.js';
import { newApiKey } from '../../../shared/ids.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-reads-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A hub database with its admin key, and the read connection beside it. */
async function open() {
  const url = `file:${join(dir, 'hub.db')}`;
  const hub = await openLibsql(url);
  const secret = newApiKey('secret');
  const { project } = await ensureDefaultProject(hub.db, secret);
  const reads = openReadConnection(url)!;
  return { url, hub, reads, project, secret, hash: await hashKey(secret) };
}

describe('the read connection', () => {
  it('reads the same key row as the write connection, and sees its revocation on the very next read', async () => {
    const { hub, reads, project, hash } = await open();
    try {
      const row = await findKeyByHash(hub.db, hash, reads.db);
      expect(row).toEqual(await findKeyByHash(hub.db, hash));
      expect(row?.revokedAt).toBeNull();
      await revokeKey({ db: hub.db, projectId: project.id }, row!.id);
      expect((await findKeyByHash(hub.db, hash, reads.db))?.revokedAt).toEqual(expect.any(Date));
    } finally {
      reads.close();
      hub.close();
    }
  });

  it('sees a write committed by another connection (another process on the same file) on the very next read', async () => {
    const { url, hub, reads, hash } = await open();
    const other = createClient({ url });
    try {
      expect((await findKeyByHash(hub.db, hash, reads.db))?.revokedAt).toBeNull();
      await other.execute({ sql: 'UPDATE api_keys SET revoked_at = ? WHERE hash = ?', args: [Date.now(), hash] });
      expect((await findKeyByHash(hub.db, hash, reads.db))?.revokedAt).toEqual(expect.any(Date));
      await other.execute({ sql: 'DELETE FROM api_keys WHERE hash = ?', args: [hash] });
      expect(await findKeyByHash(hub.db, hash, reads.db)).toBeUndefined();
    } finally {
      other.close();
      reads.close();
      hub.close();
    }
  });

  it('is opened only for a database file: a remote or in-memory database keeps its reads on its one connection', () => {
    expect(openReadConnection('libsql://hub.example.turso.io')).toBeNull();
    expect(openReadConnection('http://127.0.0.1:8080')).toBeNull();
    expect(openReadConnection('file::memory:')).toBeNull();
  });
});
