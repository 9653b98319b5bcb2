import type { OnlineReply } from '../../shared/schemas/features.js';

export type FeatureStatus = OnlineReply['results'][number]['statuses'][number];

/** One entity row's features as the hub answered them (join keys left out: they come from the request). */
export interface FetchedRow {
  names: string[];
  values: unknown[];
  statuses: FeatureStatus[];
  /** Epoch ms of each value's event, null where there is no row (NOT_FOUND). */
  eventTimes: (number | null)[];
  /** When this device got the answer from the hub (epoch ms). */
  fetchedAt: number;
}

/** One entity row of an answer, join keys first, in `names` order. */
export interface FeatureRow {
  values: unknown[];
  statuses: FeatureStatus[];
  /** Epoch ms of each value's event; null for the join keys and for NOT_FOUND. */
  eventTimes: (number | null)[];
  /** True when the row comes from this device's cache and is older than `maxAge` (the hub could not be asked). */
  stale: boolean;
  /** When the row was fetched from the hub; null when it was never cached (then every feature is NOT_FOUND). */
  fetchedAt: number | null;
}

/** An answer of `op.features`: the column names (join keys, then features) and one row per entity row asked for. */
export class FeatureAnswer {
  constructor(
    readonly names: string[],
    readonly rows: FeatureRow[],
  ) {}

  /** Whether any row came from the cache past its maxAge, or was not there at all. */
  get stale(): boolean {
    return this.rows.some((r) => r.stale);
  }

  /** Row `i` as `{ name: value }` (join keys included), for building a model's input. */
  object(i = 0): Record<string, unknown> {
    const row = this.rows[i];
    if (!row) throw new RangeError(`row ${i} is out of range: the answer has ${this.rows.length} rows`);
    return Object.fromEntries(this.names.map((n, c) => [n, row.values[c]]));
  }

  objects(): Record<string, unknown>[] {
    return this.rows.map((_, i) => this.object(i));
  }
}

const EPOCH_TS = Date.parse('1970-01-01T00:00:00Z');

/** The hub's reply (join keys first, `keyCount` of them) split into one cacheable record per entity row. */
export function fetchedRows(reply: OnlineReply, keyCount: number, fetchedAt: number): FetchedRow[] {
  const names = reply.metadata.feature_names.slice(keyCount);
  return reply.results.map((r) => ({
    names,
    values: r.values.slice(keyCount),
    statuses: r.statuses.slice(keyCount),
    eventTimes: r.statuses.slice(keyCount).map((s, c) => {
      const ms = Date.parse(r.event_timestamps[keyCount + c]!);
      return s === 'NOT_FOUND' || Number.isNaN(ms) || ms === EPOCH_TS ? null : ms;
    }),
    fetchedAt,
  }));
}

const sameNames = (a: string[], b: string[]) => a.length === b.length && a.every((n, i) => n === b[i]);

/**
 * Builds the answer for the requested entity rows from what was found for each (fresh from the hub, or cached).
 * The feature names are those of the newest record; a row with none, or cached under other names (the service
 * changed since), answers NOT_FOUND for every feature and counts as stale. Returns null when nothing was found.
 */
export function assembleAnswer(keys: string[], rows: unknown[][], found: ((FetchedRow & { stale: boolean }) | undefined)[]): FeatureAnswer | null {
  const newest = found.reduce<FetchedRow | undefined>((best, f) => (f && (!best || f.fetchedAt > best.fetchedAt) ? f : best), undefined);
  if (!newest) return null;
  const names = newest.names;
  const keyTimes = keys.map(() => null);
  const keyStatuses = keys.map((): FeatureStatus => 'PRESENT');
  return new FeatureAnswer(
    [...keys, ...names],
    rows.map((row, i) => {
      const f = found[i];
      if (f && sameNames(f.names, names)) {
        return { values: [...row, ...f.values], statuses: [...keyStatuses, ...f.statuses], eventTimes: [...keyTimes, ...f.eventTimes], stale: f.stale, fetchedAt: f.fetchedAt };
      }
      return {
        values: [...row, ...names.map(() => null)],
        statuses: [...keyStatuses, ...names.map((): FeatureStatus => 'NOT_FOUND')],
        eventTimes: [...keyTimes, ...names.map(() => null)],
        stale: true,
        fetchedAt: null,
      };
    }),
  );
}
