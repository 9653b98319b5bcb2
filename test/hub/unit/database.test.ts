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
import { FIXTURE_ROWS, fixtureFile, RELEASED } from '../../fixtures/db/rows.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'db');

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

describe('a database file made by each released schema', () => {
  /** Tables and indexes as SQLite describes them, whitespace normalized, so two databases compare by schema alone. */
  const schemaOf = async (db: { all: <T>(q: string) => Promise<T[]> }) =>
    (await db.all<{ type: string; name: string; tbl_name: string; sql: string | null }>("select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' order by type, name")).map((r) => ({
      ...r,
      sql: r.sql?.replace(/\s+/g, ' ').trim() ?? null,
    }));

  it.for(RELEASED)('%s: migrates to the latest schema with every row intact, and the schema equals a fresh database', async (tag) => {
    const file = join(dir, 'old.db');
    cpSync(join(FIXTURES, fixtureFile(tag)), file);
    const before = createClient({ url: `file:${file}` });
    const tables = (await before.execute("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name != '__drizzle_migrations'")).rows.map((r) => String(r.name));
    const columnsBefore = Object.fromEntries(
      await Promise.all(tables.map(async (t) => [t, (await before.execute(`select name from pragma_table_info('${t}')`)).rows.map((r) => String(r.name))] as const)),
    );
    before.close();
    expect(tables.length).toBeGreaterThan(3);

    const { db, close } = await openLibsql(`file:${file}`);
    for (const table of tables) {
      const rows = await db.all<Record<string, unknown>>(`select * from "${table}"`);
      expect(rows, table).toHaveLength(1);
      const expected = Object.fromEntries(columnsBefore[table]!.map((c) => [c, FIXTURE_ROWS[table]![c]]));
      const got = Object.fromEntries(columnsBefore[table]!.map((c) => [c, rows[0]![c] instanceof ArrayBuffer ? new Uint8Array(rows[0]![c] as ArrayBuffer) : rows[0]![c]]));
      expect(got, table).toEqual(expected);
    }
    const migrated = await schemaOf(db);
    close();
    const fresh = await openLibsql(`file:${join(dir, 'fresh.db')}`);
    expect(migrated).toEqual(await schemaOf(fresh.db));
    fresh.close();
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
