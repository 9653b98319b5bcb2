import { sql } from 'drizzle-orm';
import { badRequest } from '../../shared/errors.js';
import type { OnlineReply, OnlineRequest } from '../../shared/schemas/features.js';
import type { Scope } from '../core/scope.js';
import { byView, requiredJoinKeys, selectFeatures } from './selection.js';
import { columnLength, entityKey } from './values.js';

/** Entity rows one online read may ask for. */
export const ONLINE_ROW_LIMIT = 10_000;
/** Values (entity rows × features) one online reply may hold: bounds the reply whatever the mix. */
export const ONLINE_VALUE_LIMIT = 1_000_000;
const EPOCH = '1970-01-01T00:00:00Z';
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

type Status = OnlineReply['results'][number]['statuses'][number];

/** The entity rows of a request: every join key the views need present, and (unless `passThrough`) no other column. */
export function entityColumns(entities: Record<string, unknown[]>, needed: string[], passThrough = false): number {
  for (const k of needed) if (!entities[k]) throw badRequest(`entities.${k}: missing; the requested features are keyed by ${needed.join(', ')}`);
  for (const k of Object.keys(entities)) {
    if (!passThrough && !needed.includes(k)) throw badRequest(`entities.${k}: not a join key of the requested features (${needed.join(', ')})`);
  }
  return columnLength(entities, 'entities');
}

/**
 * Feast's get-online-features: the latest stored value of each feature for each entity row, with its status and
 * event time. A value older than its view's TTL is OUTSIDE_MAX_AGE; every status but PRESENT carries null.
 */
export async function readOnline(scope: Scope, request: OnlineRequest): Promise<OnlineReply> {
  const features = await selectFeatures(scope, request);
  const joinKeys = requiredJoinKeys(features);
  const n = entityColumns(request.entities, joinKeys);
  if (n > ONLINE_ROW_LIMIT) throw badRequest(`entities: ${n} rows is over the limit of ${ONLINE_ROW_LIMIT} entity rows an online read`);
  if (n * features.length > ONLINE_VALUE_LIMIT) {
    throw badRequest(`${n} entity rows × ${features.length} features is ${n * features.length} values; one online read returns at most ${ONLINE_VALUE_LIMIT} (ask for fewer rows or features)`);
  }
  const keyNames = Object.keys(request.entities);
  const results = keyNames.map((k) => ({ values: request.entities[k]!, statuses: Array<Status>(n).fill('PRESENT'), event_timestamps: Array<string>(n).fill(EPOCH) }));
  const now = scope.now();
  for (const [view, selected] of byView(features)) {
    const keys = Array.from({ length: n }, (_, i) => entityKey(view.joinKeys, (k) => request.entities[k]![i], (k) => `entities.${k}[${i}]`));
    const rows = await scope.db.all<{ entity_key: string; event_ts: number; vals: string }>(
      sql`SELECT entity_key, event_ts, vals FROM feature_online WHERE project_id = ${scope.projectId} AND view = ${view.def.name} AND entity_key IN (SELECT value FROM json_each(${JSON.stringify([...new Set(keys)])}))`,
    );
    const found = new Map(rows.map((r) => [r.entity_key, { eventTs: Number(r.event_ts), vals: JSON.parse(r.vals) as Record<string, unknown> }]));
    const expired = (ts: number) => view.def.ttl > 0 && ts < now - view.def.ttl * 1000;
    for (const { field } of selected) {
      const out = { values: new Array<unknown>(n), statuses: new Array<Status>(n), event_timestamps: new Array<string>(n) };
      keys.forEach((key, i) => {
        const row = found.get(key);
        const value = row?.vals[field] ?? null;
        const status: Status = !row ? 'NOT_FOUND' : expired(row.eventTs) ? 'OUTSIDE_MAX_AGE' : value === null ? 'NULL_VALUE' : 'PRESENT';
        out.values[i] = status === 'PRESENT' ? value : null;
        out.statuses[i] = status;
        out.event_timestamps[i] = row ? iso(row.eventTs) : EPOCH;
      });
      results.push(out);
    }
  }
  return { metadata: { feature_names: [...keyNames, ...features.map((f) => f.name)] }, results: transpose(results, n) };
}

/** Feature-major columns into DESIGN §11's reply: one results entry per entity row, in feature_names order. */
function transpose(columns: OnlineReply['results'], n: number): OnlineReply['results'] {
  return Array.from({ length: n }, (_, i) => ({
    values: columns.map((c) => c.values[i] ?? null),
    statuses: columns.map((c) => c.statuses[i]!),
    event_timestamps: columns.map((c) => c.event_timestamps[i]!),
  }));
}
