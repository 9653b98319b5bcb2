import { z } from 'zod';
import { invalidParam } from './errors.js';
import { missingValue } from './request.js';

/**
 * zod pieces for MLflow's proto-JSON requests. Proto JSON treats `null` as "not set", old clients send int64s as
 * strings and experiment ids as numbers, and enums may come as names or numbers: all of that is accepted here.
 */

const unsetNull = (v: unknown) => (v === null ? undefined : v);

/** A field that may be absent (or null). */
export const opt = <T extends z.ZodType>(schema: T) => z.preprocess(unsetNull, schema.optional());

/** A required string; MLflow's handlers count "" as missing. */
export const requiredString = z.preprocess((v) => (v === '' || v === null ? undefined : v), z.string());
export const optString = opt(z.string());

/** int64: a JSON number or a decimal string ("1700000000000"). */
export const int64 = z.preprocess((v) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v), z.number().int());

/** MLflow's SQL store keeps ±Infinity as ±1.797e308; SQLite and D1 cannot hold NaN at all. */
export const DOUBLE_MAX = 1.7976931348623157e308;
const toDouble = (v: unknown) => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || Number.isNaN(n)) return v;
  return n === Infinity ? DOUBLE_MAX : n === -Infinity ? -DOUBLE_MAX : n;
};
export const double = z.preprocess(
  toDouble,
  z.number({ error: (iss) => (iss.input === 'NaN' || Number.isNaN(iss.input) ? 'NaN values cannot be stored by this server' : undefined) }),
);

/** An experiment id: always a string in MLflow's JSON, though old clients send numbers. */
export const experimentIdField = z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string());

/** A repeated field; a single query-string value arrives unwrapped. */
export const repeated = <T extends z.ZodType>(item: T) => z.preprocess((v) => (v === undefined || v === null ? undefined : Array.isArray(v) ? v : [v]), z.array(item).optional());

/** An enum field given by name or by its proto number (1-based, as in service.proto). */
const protoEnum = <const T extends readonly [string, ...string[]]>(names: T) =>
  z.preprocess((v) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
    return n === undefined ? v : (names[n - 1] ?? v);
  }, z.enum(names));

export const viewType = protoEnum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']);
export const runStatus = protoEnum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);

export const LIFECYCLE_OF_VIEW = { ACTIVE_ONLY: 'active', DELETED_ONLY: 'deleted', ALL: 'all' } as const;

export const keyValue = z.object({ key: requiredString, value: opt(z.string()) });

/** Run endpoints take `run_id` or its deprecated twin `run_uuid`; the Python client sends both. */
export const runRef = { run_id: optString, run_uuid: optString };
export function runIdOf(input: { run_id?: string | undefined; run_uuid?: string | undefined }): string {
  const id = input.run_id || input.run_uuid;
  if (!id) throw missingValue('run_id');
  return id;
}

/** max_results as MLflow's search handlers check it: absent or 0 means the default; 1 to 50000 otherwise. */
export function maxResults(value: number | undefined, fallback = 1000): number {
  if (value === undefined || value === 0) return fallback;
  if (value < 0 || value > 50_000) throw invalidParam(`Invalid value ${value} for parameter 'max_results' supplied. It must be a positive integer, at most 50000.`);
  return value;
}

/** An offset page token, base64 of `{"offset": N}` as MLflow's stores write it. */
export const encodeOffsetToken = (offset: number) => btoa(JSON.stringify({ offset }));
export function decodeOffsetToken(token: string | undefined): number {
  if (!token) return 0;
  try {
    const offset = (JSON.parse(atob(token)) as { offset?: unknown }).offset;
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // reported below
  }
  throw invalidParam(`Invalid page token, could not base64-decode and parse it: '${token}'`);
}
