import { badRequest } from '../../shared/errors.js';
import { preview } from '../core/preview.js';
import type { FeatureDtype } from '../../shared/schemas/features.js';
import type { JoinKey } from './registry.js';

const FEAST_FORM = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Epoch ms of a timestamp: epoch ms, ISO 8601, or Feast's `2022-05-13 10:59:42` (no zone: UTC); null when it does not parse. */
/** The range a JavaScript Date (and so an ISO 8601 reply) can hold: ±100,000,000 days around 1970. */
const MAX_MS = 8.64e15;

export function parseTimestamp(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && Math.abs(value) <= MAX_MS ? Math.trunc(value) : null;
  if (typeof value !== 'string' || !ISO.test(value)) return null;
  const local = FEAST_FORM.exec(value);
  const ms = Date.parse(local ? `${local[1]}T${local[2]}Z` : value.replace(' ', 'T'));
  return Number.isNaN(ms) || Math.abs(ms) > MAX_MS ? null : ms;
}

/** A timestamp the caller sent, or a 400 naming where it was. */
export function requireTimestamp(value: unknown, where: string): number {
  const ms = parseTimestamp(value);
  if (ms === null) throw badRequest(`${where}: ${preview(value)} is not a timestamp (ISO 8601, "2022-05-13 10:59:42" as UTC, or epoch ms)`);
  return ms;
}

const isInt = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v);
const FITS: Record<FeatureDtype, (v: unknown) => boolean> = {
  int64: isInt,
  float64: (v) => typeof v === 'number' && Number.isFinite(v),
  string: (v) => typeof v === 'string',
  bool: (v) => typeof v === 'boolean',
  'float32[]': (v) => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)),
};

/** Whether a value fits a field's type; null fits every field (it reads back as NULL_VALUE). */
export const fitsDtype = (dtype: FeatureDtype, value: unknown) => value === null || FITS[dtype](value);

/** The entity key of one row: the JSON array of its join-key values, each checked against its type. */
export function entityKey(keys: JoinKey[], valueOf: (key: string) => unknown, where: (key: string) => string): string {
  return JSON.stringify(
    keys.map((k) => {
      const v = valueOf(k.name);
      if (!FITS[k.type](v)) throw badRequest(`${where(k.name)}: ${preview(v ?? null)} is not a join key of type ${k.type}`);
      return v;
    }),
  );
}

/** The columns of a request body as rows: every column must be an array of the same length. */
export function columnLength(columns: Record<string, unknown[]>, what: string): number {
  const lengths = new Set(Object.values(columns).map((c) => c.length));
  if (lengths.size > 1) throw badRequest(`${what}: every column needs the same number of values (${Object.entries(columns).map(([k, c]) => `${k}: ${c.length}`).join(', ')})`);
  return [...lengths][0] ?? 0;
}
