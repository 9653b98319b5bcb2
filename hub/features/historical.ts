import { sql } from 'drizzle-orm';
import { badRequest } from '../../shared/errors.js';
import type { HistoricalRequest } from '../../shared/schemas/features.js';
import type { Scope } from '../core/scope.js';
import { slices } from '../db/slices.js';
import { entityColumns } from './online.js';
import type { ResolvedView } from './registry.js';
import { byView, requiredJoinKeys, selectFeatures, type SelectedFeature } from './selection.js';
import { entityKey, requireTimestamp } from './values.js';

/** Entity rows one historical request may carry. */
export const HISTORICAL_ROW_LIMIT = 100_000;
/** Values (entity rows × features) one historical reply may hold. */
export const HISTORICAL_VALUE_LIMIT = 10_000_000;
/** Entity rows per query: one JSON parameter in and one JSON array out, each well under D1's 2 MB a value. */
const ROWS_PER_QUERY = 5_000;

/**
 * The point-in-time join for one view, in SQL: for each entity row (key k, time t) the row of k with the greatest
 * event time in [t − TTL, t] (no lower bound when TTL is 0), leaving out rows created after t when the view has a
 * created column and the filter is on; ties go to the greatest created time, then the latest write.
 */
function joinQuery(scope: Scope, view: ResolvedView, createdFilter: boolean, pairs: string) {
  const { ttl, created_timestamp_column: created } = view.def;
  const lower = ttl > 0 ? sql`AND r.event_ts >= (e.value ->> 1) - ${ttl * 1000}` : sql``;
  const notLater = created && createdFilter ? sql`AND r.created_ts <= (e.value ->> 1)` : sql``;
  // One row out: the winners' values as a JSON array in entity-row order (null where none qualifies), parsed once,
  // instead of a result row (and a JSON.parse) per entity row.
  return scope.db.all<{ vals: string }>(sql`
    SELECT json_group_array(json((
      SELECT r.vals FROM feature_rows r
      WHERE r.project_id = ${scope.projectId} AND r.view = ${view.def.name} AND r.entity_key = (e.value ->> 0)
        AND r.event_ts <= (e.value ->> 1) ${lower} ${notLater}
      ORDER BY r.event_ts DESC, r.created_ts DESC, r.seq DESC LIMIT 1
    )) ORDER BY e.key) AS vals
    FROM json_each(${pairs}) e`);
}

/** A training set: one output row per entity row, in request order, the entity columns first and then each feature. */
export async function historicalFeatures(scope: Scope, request: HistoricalRequest): Promise<{ columns: Record<string, unknown[]>; features: SelectedFeature[] }> {
  const features = await selectFeatures(scope, request);
  const entities = request.entities;
  if (!entities.event_timestamp) throw badRequest('entities.event_timestamp: missing; each entity row needs the time its features are wanted at');
  // Other columns (labels, say) pass through to the training rows, as Feast's entity dataframe does.
  const n = entityColumns(entities, requiredJoinKeys(features), true);
  if (n > HISTORICAL_ROW_LIMIT) throw badRequest(`entities: ${n} rows is over the limit of ${HISTORICAL_ROW_LIMIT} entity rows a historical request; split it`);
  if (n * features.length > HISTORICAL_VALUE_LIMIT) {
    throw badRequest(`${n} entity rows × ${features.length} features is ${n * features.length} values; one historical request returns at most ${HISTORICAL_VALUE_LIMIT} (split it)`);
  }
  const times = entities.event_timestamp.map((t, i) => requireTimestamp(t, `entities.event_timestamp[${i}]`));
  const columns: Record<string, unknown[]> = { ...entities };
  for (const f of features) {
    if (f.name in columns) throw badRequest(`features: "${f.name}" is also an entity column; ask with full_feature_names: true`);
  }
  for (const [view, selected] of byView(features)) {
    const keys = times.map((t, i) => [entityKey(view.joinKeys, (k) => entities[k]![i], (k) => `entities.${k}[${i}]`), t]);
    const vals = new Array<Record<string, unknown> | null>(n).fill(null);
    let offset = 0;
    for (const part of slices(keys, ROWS_PER_QUERY)) {
      const [row] = await joinQuery(scope, view, request.createdFilter, JSON.stringify(part));
      const winners = JSON.parse(row?.vals ?? '[]') as Array<Record<string, unknown> | null>;
      if (winners.length !== part.length) throw new Error(`historical join: ${winners.length} answers for ${part.length} entity rows`);
      winners.forEach((v, i) => (vals[offset + i] = v));
      offset += part.length;
    }
    for (const { field, name } of selected) columns[name] = vals.map((v) => v?.[field] ?? null);
  }
  return { columns, features };
}
