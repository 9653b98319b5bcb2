import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import type { Db } from './client.js';
import * as schema from './schema.js';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Opens the libSQL database (file or remote), applies pending migrations, and returns it with a closer. */
export async function openLibsql(url: string, authToken?: string): Promise<{ db: Db; close: () => void }> {
  if (url.startsWith('file:')) mkdirSync(dirname(url.slice('file:'.length)), { recursive: true });
  const client = createClient({ url, authToken });
  if (url.startsWith('file:')) {
    // WAL lets readers proceed during writes; the busy timeout covers two processes on one file.
    await client.execute('PRAGMA journal_mode = WAL');
    // In WAL mode NORMAL stays consistent after a crash and skips an fsync per commit (SQLite's own advice).
    await client.execute('PRAGMA synchronous = NORMAL');
    // Checkpoint every ~64 MB of WAL rather than every 4 MB: metric batches are large, and each checkpoint rewrites pages.
    await client.execute('PRAGMA wal_autocheckpoint = 16000');
    await client.execute('PRAGMA busy_timeout = 5000');
  }
  await client.execute('PRAGMA foreign_keys = ON');
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  return { db: db as unknown as Db, close: () => client.close() };
}
