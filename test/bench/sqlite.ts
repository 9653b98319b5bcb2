import type { Client } from '@libsql/client';
import Database from 'libsql';
import { openLibsql } from '../../hub/db/libsql.js';

/** Every connection setting the hub could make on open; each is read back from the hub's own connection. */
const CONNECTION_PRAGMAS = ['journal_mode', 'synchronous', 'wal_autocheckpoint', 'busy_timeout', 'foreign_keys', 'cache_size', 'mmap_size', 'temp_store'];

/**
 * A baseline's connection to a hub database file: migrated and configured by the hub's own `openLibsql`, then
 * reopened through libSQL's synchronous driver (the one under @libsql/client) with the same pragma values, so a
 * baseline can prepare its statements once.
 */
export async function hubConnection(path: string): Promise<Database.Database> {
  const hub = await openLibsql(`file:${path}`);
  const client = (hub.db as unknown as { $client: Client }).$client;
  const settings: Array<[string, unknown]> = [];
  for (const name of CONNECTION_PRAGMAS) settings.push([name, (await client.execute(`PRAGMA ${name}`)).rows[0]![0]]);
  hub.close();
  const db = new Database(path);
  for (const [name, value] of settings) db.pragma(`${name} = ${value}`);
  return db;
}
