import { OutpostRuntimeError } from '../errors.js';

/** A feature service's name, or a list of `view:field` references. */
export type FeatureSelection = string | string[];

/** Feast's entity columns `{ driver_id: [1001, 1002] }`, or one entity row `{ driver_id: 1001 }`. */
export type EntityInput = Record<string, unknown[]> | Record<string, string | number>;

/** Entity rows as the runtime works with them: the join-key names in the caller's order, and one value list per row. */
export interface EntityRows {
  keys: string[];
  rows: unknown[][];
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const REF_RE = /^[A-Za-z_][A-Za-z0-9_]*:[A-Za-z_][A-Za-z0-9_]*$/;
const bad = (message: string) => new OutpostRuntimeError('bad_request', message);

/** The selection as the hub's request fields, checked the way the hub checks it. */
export function selectionRequest(selection: FeatureSelection): { feature_service: string } | { features: string[] } {
  if (typeof selection === 'string') {
    if (!NAME_RE.test(selection)) throw bad(`features: "${selection}" is not a feature service name (letters, digits and _); pass a service name or a list of "view:field"`);
    return { feature_service: selection };
  }
  if (!Array.isArray(selection) || !selection.length) throw bad('features: pass a feature service name or a non-empty list of "view:field"');
  const wrong = selection.find((ref) => typeof ref !== 'string' || !REF_RE.test(ref));
  if (wrong !== undefined) throw bad(`features: ${JSON.stringify(wrong)} is not a "view:field" reference`);
  return { features: [...selection] };
}

/** What a cached answer is filed under: the selection and the naming, so a service and a list never share rows. */
export function selectionKey(selection: FeatureSelection, fullFeatureNames: boolean): string {
  const what = typeof selection === 'string' ? `service:${selection}` : `features:${selection.join(',')}`;
  return fullFeatureNames ? `${what}|full` : what;
}

const isKeyValue = (v: unknown): v is string | number => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));

/** Entity columns or one row object into rows; every column must be a list of strings or numbers, all of one length. */
export function entityRows(entities: EntityInput): EntityRows {
  if (!entities || typeof entities !== 'object' || Array.isArray(entities)) throw bad('entities: pass join-key columns { driver_id: [1001, 1002] } or one row { driver_id: 1001 }');
  const keys = Object.keys(entities);
  if (!keys.length) throw bad('entities: no join key given');
  const values = Object.values(entities) as unknown[];
  const columns = values.every(Array.isArray);
  if (!columns && values.some(Array.isArray)) throw bad('entities: give every join key as a list (columns) or every one as a single value (one row), not a mix');
  const cols = columns ? (values as unknown[][]) : values.map((v) => [v]);
  const n = cols[0]!.length;
  keys.forEach((key, c) => {
    if (!NAME_RE.test(key)) throw bad(`entities.${key}: not a join key name (letters, digits and _)`);
    if (cols[c]!.length !== n) throw bad(`entities.${key}: ${cols[c]!.length} values, but entities.${keys[0]} has ${n}; every column needs one value per entity row`);
    const i = cols[c]!.findIndex((v) => !isKeyValue(v));
    if (i >= 0) throw bad(`entities.${key}[${i}]: ${JSON.stringify(cols[c]![i])} is not a join-key value (a string or a number)`);
  });
  if (!n) throw bad('entities: no entity rows given');
  return { keys, rows: Array.from({ length: n }, (_, i) => cols.map((col) => col[i])) };
}

/** One entity row's cache key: its join keys by name, in name order, so `{a, b}` and `{b, a}` find the same row. */
export function entityRowKey(keys: string[], row: unknown[]): string {
  return JSON.stringify(keys.map((k, i) => [k, row[i]] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Rows back into Feast's entity columns, in the caller's key order. */
export function entityColumns(keys: string[], rows: unknown[][]): Record<string, unknown[]> {
  return Object.fromEntries(keys.map((k, c) => [k, rows.map((r) => r[c])]));
}
