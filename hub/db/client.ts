import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type * as schema from './schema.js';

/**
 * The database every domain function takes: drizzle over libSQL (Node, Turso) or D1 (Workers).
 * Both are async SQLite; multi-statement writes use `db.batch` because D1 has no interactive transactions.
 */
export type Db = BaseSQLiteDatabase<'async', unknown, typeof schema> & {
  batch: BatchFn;
};

// drizzle's libsql and d1 drivers both expose batch with this shape.
type BatchFn = (queries: readonly [unknown, ...unknown[]]) => Promise<unknown[]>;
