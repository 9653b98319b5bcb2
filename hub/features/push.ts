import { badRequest, forbidden } from '../../shared/errors.js';
import { preview } from '../core/preview.js';
import type { PushRequest } from '../../shared/schemas/features.js';
import type { RecordStatement } from '../core/idempotency.js';
import type { Scope } from '../core/scope.js';
import { viewOfPushSource, type ResolvedView } from './registry.js';
import { offlineInserts, onlineUpserts, type StoredRow } from './store.js';
import { columnLength, entityKey, fitsDtype, requireTimestamp } from './values.js';

/** Rows one push may carry. */
export const PUSH_ROW_LIMIT = 100_000;

/** The rows of a push, each checked against the view; the first bad value is a 400 naming its column and row. */
export function rowsOfFrame(view: ResolvedView, df: Record<string, unknown[]>, limit = PUSH_ROW_LIMIT): StoredRow[] {
  const { def, joinKeys, fields } = view;
  const known = new Set([...joinKeys.map((k) => k.name), def.timestamp_field, ...(def.created_timestamp_column ? [def.created_timestamp_column] : []), ...fields.keys()]);
  for (const column of Object.keys(df)) {
    if (!known.has(column)) throw badRequest(`df.${column}: not a column of feature view "${def.name}" (columns: ${[...known].join(', ')})`);
  }
  for (const column of [...joinKeys.map((k) => k.name), def.timestamp_field, ...(def.created_timestamp_column ? [def.created_timestamp_column] : [])]) {
    if (!df[column]) throw badRequest(`df.${column}: missing; feature view "${def.name}" needs it in every push`);
  }
  const n = columnLength(df, 'df');
  if (n > limit) throw badRequest(`df: ${n} rows is over the limit of ${limit} rows${limit === PUSH_ROW_LIMIT ? ' a push' : ''}; split it`);
  const present = [...fields].filter(([f]) => df[f]);
  const rows: StoredRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const key = entityKey(joinKeys, (k) => df[k]![i], (k) => `df.${k}[${i}]`);
    const eventTs = requireTimestamp(df[def.timestamp_field]![i], `df.${def.timestamp_field}[${i}]`);
    const created = def.created_timestamp_column;
    const createdTs = created ? requireTimestamp(df[created]![i], `df.${created}[${i}]`) : null;
    const vals: Record<string, unknown> = {};
    for (const [f, dtype] of present) {
      const v = df[f]![i] ?? null;
      if (!fitsDtype(dtype, v)) throw badRequest(`df.${f}[${i}]: ${preview(v)} is not a value of type ${dtype}`);
      vals[f] = v;
    }
    rows[i] = { key, eventTs, createdTs, vals };
  }
  return rows;
}

/**
 * Writes a push into the view its push source feeds: every row checked first, then one atomic batch (with `record`,
 * the idempotency ledger's statement, when a device sent it through its outbox). Publishable keys may push only
 * into views marked for devices.
 */
export async function pushRows(scope: Scope, push: PushRequest, record?: RecordStatement) {
  const view = await viewOfPushSource(scope, push.push_source_name);
  if (scope.principal?.kind === 'publishable' && !view.def.devices) {
    throw forbidden(`push_source_name: feature view "${view.def.name}" is not marked for devices (devices: true), so publishable keys may not push to it`);
  }
  const online = push.to !== 'offline';
  const offline = push.to !== 'online';
  if (online && !view.def.online) throw badRequest(`to: feature view "${view.def.name}" is not online (online: false); push with to: "offline"`);
  const rows = rowsOfFrame(view, push.df);
  const { db, projectId } = scope;
  const statements = [
    ...(offline ? offlineInserts(db, projectId, view.def.name, rows) : []),
    ...(online ? onlineUpserts(db, projectId, view.def.name, rows) : []),
    ...(record ? [record] : []),
  ];
  if (statements.length) await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
  return { rows: rows.length, online: online ? rows.length : 0, offline: offline ? rows.length : 0 };
}
