import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashKey } from '../../../hub/auth/hash.js';
import { MIGRATIONS_DIR, openLibsql } from '../../../hub/db/libsql.js';
import { ensureDefaultProject } from '../../../hub/projects/projects.js';
import { apiKeys, projects } from '../../../hub/db/schema.js';
import { KEY_RE, newApiKey } from '../../../shared/ids.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-db-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const journal = () => JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };

describe('migrations', () => {
  it('apply to a new database, and starting twice is safe', async () => {
    const url = `file:${join(dir, 'hub.db')}`;
    const first = await openLibsql(url);
    first.close();
    const second = await openLibsql(url);
    const tables = await second.db.all<{ name: string }>("select name from sqlite_master where type = 'table' order by name");
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['api_keys', 'blobs', 'project_blobs', 'projects']));
    second.close();
  });

  it('bring a database made by any earlier version up to date', async () => {
    const entries = journal().entries;
    for (let upTo = 0; upTo <= entries.length; upTo++) {
      // A migrations folder as an older release shipped it: the first `upTo` migrations only.
      const older = join(dir, `migrations-${upTo}`);
      cpSync(MIGRATIONS_DIR, older, { recursive: true });
      writeFileSync(join(older, 'meta', '_journal.json'), JSON.stringify({ ...journal(), entries: entries.slice(0, upTo) }));
      const url = `file:${join(dir, `old-${upTo}.db`)}`;
      const client = createClient({ url });
      await migrate(drizzle(client), { migrationsFolder: older });
      client.close();

      const { db, close } = await openLibsql(url);
      const applied = await db.all<{ n: number }>('select count(*) as n from __drizzle_migrations');
      expect(applied[0]!.n).toBe(entries.length);
      close();
    }
  });
});

describe('first start', () => {
  it('creates the default project and one bootstrap admin key, and never again', async () => {
    const { db, close } = await openLibsql(`file:${join(dir, 'hub.db')}`);
    const first = await ensureDefaultProject(db);
    expect(first.project.name).toBe('default');
    expect(first.newAdminKey).toMatch(KEY_RE);
    const second = await ensureDefaultProject(db);
    expect(second.newAdminKey).toBeUndefined();
    expect(second.project.id).toBe(first.project.id);
    const rows = await db.select().from(apiKeys);
    expect(rows).toHaveLength(1);
    // Only the hash is stored.
    expect(rows[0]!.hash).toBe(await hashKey(first.newAdminKey!));
    expect(JSON.stringify(rows)).not.toContain(first.newAdminKey!.slice(3));
    close();
  });

  it('uses OUTPOST_ADMIN_KEY instead of printing one, also on a database made before it was set', async () => {
    const { db, close } = await openLibsql(`file:${join(dir, 'hub.db')}`);
    const given = newApiKey('secret');
    const first = await ensureDefaultProject(db, given);
    expect(first.newAdminKey).toBeUndefined();
    const later = newApiKey('secret');
    await ensureDefaultProject(db, later);
    await ensureDefaultProject(db, later);
    const hashes = (await db.select().from(apiKeys)).map((r) => r.hash).sort();
    expect(hashes).toEqual([await hashKey(given), await hashKey(later)].sort());
    expect(await db.select().from(projects)).toHaveLength(1);
    close();
  });

  it('creates one default project when two starts race', async () => {
    const { db, close } = await openLibsql(`file:${join(dir, 'hub.db')}`);
    const results = await Promise.all([ensureDefaultProject(db), ensureDefaultProject(db), ensureDefaultProject(db)]);
    expect(new Set(results.map((r) => r.project.id)).size).toBe(1);
    expect(results.filter((r) => r.newAdminKey)).toHaveLength(1);
    close();
  });
});
