import { onlineFeatures } from '../../shared/client/features.js';
import type { HubClient } from '../../shared/client/hub-client.js';
import { OutpostError } from '../../shared/errors.js';
import { featureRowKey, openStore } from '../cache/db.js';
import { OutpostRuntimeError, storageError } from '../errors.js';
import { hubFailure } from '../hub.js';
import { assembleAnswer, fetchedRows, type FeatureAnswer, type FetchedRow } from './answer.js';
import { entityColumns, entityRowKey, entityRows, selectionKey, selectionRequest, type EntityInput, type FeatureSelection } from './entities.js';

export interface FeatureReadOptions {
  /** Milliseconds: a cached answer younger than this is returned without asking the hub. 0 (default) always asks. */
  maxAge?: number;
  /** Name features `view__field` instead of `field`, as Feast's `full_feature_names`. */
  fullFeatureNames?: boolean;
}

const describe = (selection: FeatureSelection) => (typeof selection === 'string' ? `of service "${selection}"` : `${selection.join(', ')}`);

/** The hub cannot answer now: no network, or a failing hub (5xx) — the cases a cached answer stands in for. */
const unreachable = (err: unknown) => (err as OutpostRuntimeError)?.code === 'offline' || (err instanceof OutpostError && err.status >= 500);

/**
 * Online features for this device: asked of the hub and kept in IndexedDB per (selection, entity row), so that
 * offline the last answer of each row stands in, marked stale, with the statuses and event times it came with.
 */
export async function readFeatures(hub: HubClient, selection: FeatureSelection, entities: EntityInput, options: FeatureReadOptions = {}): Promise<FeatureAnswer> {
  const request = selectionRequest(selection);
  const { keys, rows } = entityRows(entities);
  const maxAge = options.maxAge ?? 0;
  if (typeof maxAge !== 'number' || !(maxAge >= 0)) throw new OutpostRuntimeError('bad_request', `maxAge: ${JSON.stringify(options.maxAge)} is not a number of milliseconds ≥ 0`);
  const full = options.fullFeatureNames ?? false;
  const selKey = selectionKey(selection, full);
  const rowKeys = rows.map((r) => entityRowKey(keys, r));
  // Each distinct entity row is asked for once, however often the caller repeats it.
  const unique = [...new Map(rowKeys.map((k, i) => [k, rows[i]!])).entries()];
  const cached = await readCache(hub.base, selKey, unique.map(([k]) => k));
  const now = Date.now();
  let found = new Map<string, FetchedRow & { stale: boolean }>();
  if (maxAge > 0 && unique.every(([k]) => { const c = cached.get(k); return c && now - c.fetchedAt < maxAge; })) {
    for (const [k, c] of cached) found.set(k, { ...c, stale: false });
  } else {
    try {
      const reply = await onlineFeatures(hub, { entities: entityColumns(keys, unique.map(([, r]) => r)), ...request, full_feature_names: full });
      const fetched = fetchedRows(reply, keys.length, Date.now());
      found = new Map(unique.map(([k], i) => [k, { ...fetched[i]!, stale: false }]));
      await writeCache(hub.base, selKey, unique.map(([k], i) => [k, fetched[i]!]));
    } catch (err) {
      if (!unreachable(err)) throw readFailure(err, selection);
      for (const [k, c] of cached) found.set(k, { ...c, stale: !(maxAge > 0 && now - c.fetchedAt < maxAge) });
      if (!found.size) {
        throw new OutpostRuntimeError('offline', `features ${describe(selection)}: the hub cannot be reached and none of these entity rows is cached on this device (${(err as Error).message})`, { cause: err });
      }
    }
  }
  return assembleAnswer(keys, rows, rowKeys.map((k) => found.get(k)))!;
}

function readFailure(err: unknown, selection: FeatureSelection): unknown {
  const failure = hubFailure(err, `could not read features ${describe(selection)}`);
  // The hub refused the request itself (a join key missing, a value of the wrong type): the caller's to fix.
  if (err instanceof OutpostError && err.status === 400 && failure instanceof OutpostRuntimeError) return new OutpostRuntimeError('bad_request', failure.message, { cause: err });
  return failure;
}

async function readCache(hub: string, selection: string, rows: string[]): Promise<Map<string, FetchedRow>> {
  const db = await openStore();
  const tx = db.transaction('features');
  const stored = await Promise.all(rows.map((row) => tx.store.get(featureRowKey(hub, selection, row))));
  await tx.done;
  return new Map(stored.flatMap((s, i) => (s ? [[rows[i]!, s] as const] : [])));
}

async function writeCache(hub: string, selection: string, rows: [string, FetchedRow][]): Promise<void> {
  try {
    const db = await openStore();
    const tx = db.transaction('features', 'readwrite');
    await Promise.all([...rows.map(([row, f]) => tx.store.put({ ...f, key: featureRowKey(hub, selection, row), hub })), tx.done]);
  } catch (err) {
    throw storageError(err, 'keeping online features in IndexedDB');
  }
}

/** Drops every cached feature row of this hub; returns how many there were. */
export async function clearFeatureCache(hub: string): Promise<number> {
  const db = await openStore();
  const tx = db.transaction('features', 'readwrite');
  const keys = await tx.store.index('hub').getAllKeys(hub);
  await Promise.all([...keys.map((k) => tx.store.delete(k)), tx.done]);
  return keys.length;
}
