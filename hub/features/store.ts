import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { featureOnline, featureRows } from './schema.js';

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
    // The values go in as a JSON object (read back as JSON text by `->`), not a string within the string: one stringify a row.
    const one = JSON.stringify([r.key, r.eventTs, r.createdTs, r.vals]);
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
  sql`${projectId}, ${view}, value ->> 0, value ->> 1, value ->> 2, value -> 3 FROM json_each(${json}) WHERE true ORDER BY key`;

/**
 * Writing into the online store: a stored row gives way only to one with a later event time, or the same event time
 * and no earlier created time.
 */
export const onlineUpsert = {
  target: [featureOnline.projectId, featureOnline.view, featureOnline.entityKey],
  set: { eventTs: sql`excluded.event_ts`, createdTs: sql`excluded.created_ts`, vals: sql`excluded.vals` },
  setWhere: sql.raw(
    'excluded.event_ts > feature_online.event_ts OR (excluded.event_ts = feature_online.event_ts AND coalesce(excluded.created_ts, -1) >= coalesce(feature_online.created_ts, -1))',
  ),
};

// Query builders, not db.run(sql): drizzle's D1 batch cannot bind raw statements.
/** Statements appending rows to the offline store, in order (`seq`, left null, numbers them in write order). */
export const offlineInserts = (db: Db, projectId: string, view: string, rows: StoredRow[]) =>
  chunks(rows).map((json) => db.insert(featureRows).select(sql`SELECT NULL, ${fromJson(projectId, view, json)}`));

/** Statements writing rows to the online store; an older row never replaces a newer one. */
export const onlineUpserts = (db: Db, projectId: string, view: string, rows: StoredRow[]) =>
  chunks(rows).map((json) => db.insert(featureOnline).select(sql`SELECT ${fromJson(projectId, view, json)}`).onConflictDoUpdate(onlineUpsert));
