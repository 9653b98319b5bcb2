import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';

/** One row of a view as the stores keep it: entity key, event and created times (ms), values by field. */
export interface StoredRow {
  key: string;
  eventTs: number;
  createdTs: number | null;
  vals: Record<string, unknown>;
}

/** D1 caps a string value at 2 MB: rows travel as JSON arrays of at most this many bytes, one statement each. */
const CHUNK_BYTES = 512 * 1024;

function chunks(rows: StoredRow[]): string[] {
  const out: string[] = [];
  let part: string[] = [];
  let size = 0;
  for (const r of rows) {
    const one = JSON.stringify([r.key, r.eventTs, r.createdTs, JSON.stringify(r.vals)]);
    if (size + one.length > CHUNK_BYTES && part.length) {
      out.push(`[${part.join(',')}]`);
      part = [];
      size = 0;
    }
    part.push(one);
    size += one.length + 1;
  }
  if (part.length) out.push(`[${part.join(',')}]`);
  return out;
}

// Rows go in as one JSON parameter read by json_each, in array order: any number of rows, three bound parameters.
const fromJson = (projectId: string, view: string, json: string) =>
  sql`SELECT ${projectId}, ${view}, value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(${json}) WHERE true ORDER BY key`;

/** A stored online row gives way only to one with a later event time, or the same event time and no earlier created time. */
export const NEWER = sql.raw(
  'excluded.event_ts > feature_online.event_ts OR (excluded.event_ts = feature_online.event_ts AND coalesce(excluded.created_ts, -1) >= coalesce(feature_online.created_ts, -1))',
);
export const ONLINE_UPSERT = sql`ON CONFLICT (project_id, view, entity_key) DO UPDATE SET event_ts = excluded.event_ts, created_ts = excluded.created_ts, vals = excluded.vals WHERE ${NEWER}`;

/** Statements appending rows to the offline store, in order (their `seq` is the write order). */
export const offlineInserts = (db: Db, projectId: string, view: string, rows: StoredRow[]) =>
  chunks(rows).map((json) => db.run(sql`INSERT INTO feature_rows (project_id, view, entity_key, event_ts, created_ts, vals) ${fromJson(projectId, view, json)}`));

/** Statements writing rows to the online store; an older row never replaces a newer one. */
export const onlineUpserts = (db: Db, projectId: string, view: string, rows: StoredRow[]) =>
  chunks(rows).map((json) => db.run(sql`INSERT INTO feature_online (project_id, view, entity_key, event_ts, created_ts, vals) ${fromJson(projectId, view, json)} ${ONLINE_UPSERT}`));

