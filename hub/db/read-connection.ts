import Database from 'libsql';
import { BetterSQLiteSession } from 'drizzle-orm/better-sqlite3/session';
import { BaseSQLiteDatabase, SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import type * as schema from './schema.js';

/**
 * A second connection to the embedded database file, for the point reads every request makes (its key, the ref an
 * inference names): drizzle over libsql's synchronous API, whose prepared statements keep their compiled SQLite
 * statement. Through `@libsql/client` each query is prepared again and its columns described, about 0.4 ms a query
 * on the 2-core development machine, against 0.03 ms here (docs/serving.md).
 */
export type ReadDb = BaseSQLiteDatabase<'sync', unknown, typeof schema>;

/** Point reads on the read connection: its drizzle handle, and rows remembered until the next commit. */
export interface Reads {
  db: ReadDb;
  /**
   * The value `read` gave for `key` before, if no commit reached the database file since (by any connection, this
   * hub's or another process's: SQLite's `PRAGMA data_version`); else `read()` now, remembered unless undefined. So a
   * revoked key or a moved alias is seen by the very next request, as with a read each time, while a request that
   * finds nothing changed skips its query and the decoding of its row. Callers must not change a value they are
   * given: the next request gets the same object.
   */
  remember: <T>(key: string, read: () => T | undefined) => T | undefined;
}

export interface ReadConnection extends Reads {
  /**
   * Reads for one request, which ask the version once, at its first `remember`: that check comes after the request
   * arrived, so after every commit whose reply its client saw before sending it. (The connection's own `remember`
   * asks on every call.)
   */
  forRequest: () => Reads;
  close: () => void;
}

/** Remembered values, all dropped when full: a bound on memory, not a policy (any commit drops them too). */
const MAX_REMEMBERED = 10_000;

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
  const dataVersion = native.prepare('PRAGMA data_version').raw();
  const remembered = new Map<string, unknown>();
  let seen: unknown = null;
  const recall = <T>(ask: boolean, key: string, read: () => T | undefined): T | undefined => {
    if (ask) {
      // Asked before the read: a commit landing between the two makes the next version differ, so at worst a value
      // is read again, never kept past a commit.
      const [version] = dataVersion.get() as [number];
      if (version !== seen) {
        remembered.clear();
        seen = version;
      }
    }
    if (remembered.has(key)) return remembered.get(key) as T;
    const value = read();
    if (value !== undefined) {
      if (remembered.size >= MAX_REMEMBERED) remembered.clear();
      remembered.set(key, value);
    }
    return value;
  };
  const forRequest = (): Reads => {
    let asked = false;
    return {
      db,
      remember: (key, read) => {
        const ask = !asked;
        asked = true;
        return recall(ask, key, read);
      },
    };
  };
  return { db, remember: (key, read) => recall(true, key, read), forRequest, close: () => native.close() };
}
