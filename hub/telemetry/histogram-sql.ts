import { sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';

/** SQLite merge of two sparse histograms (JSON objects of bucket → count): the stored column and the upsert's incoming one. */
export const mergedHistogram = (stored: SQLiteColumn) => sql`(SELECT json_group_object(key, n) FROM (SELECT key, sum(value) AS n FROM (
  SELECT key, value FROM json_each(${stored}) UNION ALL SELECT key, value FROM json_each(excluded.histogram)
) GROUP BY key))`;
