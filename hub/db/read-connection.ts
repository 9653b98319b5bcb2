import Database from 'libsql';
import { BetterSQLiteSession } from 'drizzle-orm/better-sqlite3/session';
import { BaseSQLiteDatabase, SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import type * as schema from './schema.js';

/**
 * A second connection to the embedded database file, for the point reads every request makes (its key, the ref an
 * inference names): drizzle over libsql's synchronous API, whose prepared statements keep their compiled SQLite
 * statement. Through `@libsql/client` each query is prepared again and its columns described, about 0.4 ms a query
 * on the 2-core development machine, against 0.03 ms here (docs/serving.md). Nothing is cached: each read is its own
 * read transaction, and in WAL mode it sees every commit made before it by any connection, this hub's or another
 * process's, so a revoked key or a moved alias is seen by the very next request.
 */
export type ReadDb = BaseSQLiteDatabase<'sync', unknown, typeof schema>;

export interface ReadConnection {
  db: ReadDb;
  close: () => void;
}

/**
 * Opens the read connection on a `file:` database the write connection has already set up (WAL, migrations); null
 * for another database (a remote libSQL server, an in-memory one), whose reads stay on the write connection.
 */
export function openReadConnection(url: string): ReadConnection | null {
  if (!url.startsWith('file:')) return null;
  const path = url.slice('file:'.length).split('?')[0]!;
  if (!path || path === ':memory:') return null;
  const native = new Database(path);
  // The moments a reader waits in WAL mode (the log being reset) are covered as the write connection's are.
  native.exec('PRAGMA busy_timeout = 5000');
  const dialect = new SQLiteSyncDialect();
  const db = new BaseSQLiteDatabase('sync', dialect, new BetterSQLiteSession(native as never, dialect, undefined), undefined) as unknown as ReadDb;
  return { db, close: () => native.close() };
}
