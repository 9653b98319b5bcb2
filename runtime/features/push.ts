import type { FeaturePushItem } from '../../shared/client/sync.js';
import { OutpostRuntimeError } from '../errors.js';

export type PushTarget = 'online' | 'offline' | 'online_and_offline' | 'both';

/** Rows for a push source: Feast's columns `{ col: [values] }`, a list of row objects, or one row object. */
export type PushRows = Record<string, unknown[]> | Record<string, unknown>[] | Record<string, unknown>;

export interface FeaturePushOptions {
  /** Which store the rows go to (the hub's default: `online`). */
  to?: PushTarget;
}

/** Rows one device push may carry: a push is one outbox item, and a sync batch holds up to 200 of them. */
export const DEVICE_PUSH_ROW_LIMIT = 1000;
const TARGETS: PushTarget[] = ['online', 'offline', 'online_and_offline', 'both'];
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const bad = (message: string) => new OutpostRuntimeError('bad_request', message);

/** A Date goes as epoch ms, which the hub reads as a timestamp. */
const wire = (v: unknown) => (v instanceof Date ? v.getTime() : v === undefined ? null : v);

/** Any of the accepted row shapes as Feast's `df` columns, all of one length. */
export function pushColumns(rows: PushRows): Record<string, unknown[]> {
  if (!rows || typeof rows !== 'object') throw bad('rows: pass columns { col: [values] }, a list of row objects, or one row object');
  let df: Record<string, unknown[]>;
  if (Array.isArray(rows)) {
    const names = [...new Set(rows.flatMap((r) => (r && typeof r === 'object' ? Object.keys(r) : [])))];
    const i = rows.findIndex((r) => !r || typeof r !== 'object' || Array.isArray(r));
    if (i >= 0) throw bad(`rows[${i}]: not a row object { column: value }`);
    df = Object.fromEntries(names.map((n) => [n, rows.map((r) => wire(r[n]))]));
  } else {
    const values = Object.values(rows);
    if (values.length && values.every(Array.isArray)) df = Object.fromEntries(Object.entries(rows as Record<string, unknown[]>).map(([k, v]) => [k, v.map(wire)]));
    else if (values.some(Array.isArray)) throw bad('rows: give every column as a list (columns) or none of them (one row), not a mix');
    else df = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, [wire(v)]]));
  }
  const names = Object.keys(df);
  if (!names.length) throw bad('rows: no columns given');
  const n = df[names[0]!]!.length;
  for (const name of names) if (df[name]!.length !== n) throw bad(`rows.${name}: ${df[name]!.length} values, but rows.${names[0]} has ${n}`);
  if (!n) throw bad('rows: no rows given');
  if (n > DEVICE_PUSH_ROW_LIMIT) throw bad(`rows: ${n} rows is over the limit of ${DEVICE_PUSH_ROW_LIMIT} a device push; split them into several pushes`);
  return df;
}

/** The outbox item of one device push; its id is made here, once, so every resend is the same item to the hub. */
export function featurePushItem(pushSource: string, rows: PushRows, options: FeaturePushOptions = {}): FeaturePushItem {
  if (typeof pushSource !== 'string' || !NAME_RE.test(pushSource)) throw bad(`push source ${JSON.stringify(pushSource)} is not a name (letters, digits and _)`);
  const to = options.to ?? 'online';
  if (!TARGETS.includes(to)) throw bad(`to: "${to}" is not one of ${TARGETS.join(', ')}`);
  return { id: crypto.randomUUID(), type: 'feature.push', push_source_name: pushSource, df: pushColumns(rows), to };
}
