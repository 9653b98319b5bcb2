import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { sql } from 'drizzle-orm';
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
      const row = await findKeyByHash(hub.db, hash, reads);
      expect(row).toEqual(await findKeyByHash(hub.db, hash));
      expect(row?.revokedAt).toBeNull();
      await revokeKey({ db: hub.db, projectId: project.id }, row!.id);
      expect((await findKeyByHash(hub.db, hash, reads))?.revokedAt).toEqual(expect.any(Date));
    } finally {
      reads.close();
      hub.close();
    }
  });

  it('sees a write committed by another connection (another process on the same file) on the very next read', async () => {
    const { url, hub, reads, hash } = await open();
    const other = createClient({ url });
    try {
      expect((await findKeyByHash(hub.db, hash, reads))?.revokedAt).toBeNull();
      await other.execute({ sql: 'UPDATE api_keys SET revoked_at = ? WHERE hash = ?', args: [Date.now(), hash] });
      expect((await findKeyByHash(hub.db, hash, reads))?.revokedAt).toEqual(expect.any(Date));
      await other.execute({ sql: 'DELETE FROM api_keys WHERE hash = ?', args: [hash] });
      expect(await findKeyByHash(hub.db, hash, reads)).toBeUndefined();
    } finally {
      other.close();
      reads.close();
      hub.close();
    }
  });

  it('remembers a read until a commit reaches the file, from this hub or another process, and never remembers nothing', async () => {
    const { url, hub, reads, hash } = await open();
    const other = createClient({ url });
    let calls = 0;
    const read = () => {
      calls++;
      return { n: calls };
    };
    try {
      const first = reads.remember('a', read);
      expect(reads.remember('a', read)).toBe(first);
      expect(calls).toBe(1);
      // A commit on the hub's own write connection.
      await hub.db.run(sql`UPDATE api_keys SET name = 'renamed' WHERE hash = ${hash}`);
      expect(reads.remember('a', read)).toEqual({ n: 2 });
      expect(reads.remember('a', read)).toEqual({ n: 2 });
      // One from another process's connection to the same file.
      await other.execute({ sql: 'UPDATE api_keys SET name = ? WHERE hash = ?', args: ['again', hash] });
      expect(reads.remember('a', read)).toEqual({ n: 3 });
      // A key that read nothing is read again each time: a miss is not remembered.
      let misses = 0;
      expect(reads.remember('b', () => void misses++)).toBeUndefined();
      expect(reads.remember('b', () => void misses++)).toBeUndefined();
      expect(misses).toBe(2);
    } finally {
      other.close();
      reads.close();
      hub.close();
    }
  });

  it('asks the version once a request: a request\'s reads see the commits made before its first read, the next request\'s see the rest', async () => {
    const { url, hub, reads, hash } = await open();
    const other = createClient({ url });
    try {
      const first = reads.forRequest();
      expect((await findKeyByHash(hub.db, hash, first))?.revokedAt).toBeNull();
      await other.execute({ sql: 'UPDATE api_keys SET revoked_at = ? WHERE hash = ?', args: [Date.now(), hash] });
      // Still the first request: its client cannot have seen a reply of this commit before sending it.
      expect((await findKeyByHash(hub.db, hash, first))?.revokedAt).toBeNull();
      expect((await findKeyByHash(hub.db, hash, reads.forRequest()))?.revokedAt).toEqual(expect.any(Date));
    } finally {
      other.close();
      reads.close();
      hub.close();
    }
  });

  it('serves a remembered key row until it is revoked, and the revocation from the very next read', async () => {
    const { url, hub, reads, hash } = await open();
    const other = createClient({ url });
    try {
      const row = await findKeyByHash(hub.db, hash, reads);
      expect(await findKeyByHash(hub.db, hash, reads)).toBe(row);
      await other.execute({ sql: 'UPDATE api_keys SET revoked_at = ? WHERE hash = ?', args: [Date.now(), hash] });
      expect((await findKeyByHash(hub.db, hash, reads))?.revokedAt).toEqual(expect.any(Date));
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
