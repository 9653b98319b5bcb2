import { ConfigError, readConfig } from '../config.js';
import { openLibsql } from './libsql.js';

/** `npm run db:migrate`: applies migrations to OUTPOST_DB_URL (e.g. a Turso database a Worker will use). */
try {
  const config = readConfig(process.env);
  const { close } = await openLibsql(config.dbUrl, config.dbToken);
  close();
  console.error(`migrations applied to ${config.dbUrl.replace(/\/\/[^@/]*@/, '//…@')}`);
} catch (err) {
  console.error(`outpost: ${err instanceof ConfigError ? err.message : String(err)}`);
  process.exit(1);
}
