import { getDatasetVersion } from '../../shared/client/datasets.js';
import type { HubClient } from '../../shared/client/hub-client.js';
import { OutpostError } from '../../shared/errors.js';
import { formatRef, parseDatasetRef, type DatasetRef } from '../../shared/refs.js';
import type { DatasetVersion } from '../../shared/schemas/datasets.js';
import { datasetVersionKey, openStore, type StoredDatasetVersion } from '../cache/db.js';
import { OutpostRuntimeError, storageError } from '../errors.js';
import { hubFailure } from '../hub.js';

export interface ResolvedVersion {
  version: DatasetVersion;
  /** 'cache': answered from IndexedDB (a pinned version seen before, or the hub unreachable). */
  source: 'network' | 'cache';
}

/** A dataset ref (shared/refs.ts), its refusal as the runtime's `bad_ref`. */
export function datasetRef(ref: string): DatasetRef {
  try {
    return parseDatasetRef(ref);
  } catch (err) {
    throw new OutpostRuntimeError('bad_ref', (err as Error).message);
  }
}

/** The hub cannot answer now (no network, or a 5xx): the cases the cached answer stands in for. */
export const unreachable = (err: unknown) => (err as OutpostRuntimeError)?.code === 'offline' || (err instanceof OutpostError && err.status >= 500);

const segmentOf = (ref: DatasetRef) => ('version' in ref ? ref.version : 'alias' in ref ? ref.alias : 'latest');

/**
 * Resolves `ds/3`, `ds@alias` or `ds`. A numbered version never changes, so one seen before is answered from IndexedDB
 * without a request; an alias or `ds` asks the hub, and offline answers the version it last resolved to.
 */
export async function resolveDatasetVersion(hub: HubClient, text: string): Promise<ResolvedVersion> {
  const ref = datasetRef(text);
  const asked = formatRef(ref);
  const db = await openStore();
  const cached = await db.get('datasetVersions', datasetVersionKey(hub.base, asked));
  if (cached && 'version' in ref) return { version: cached.version, source: 'cache' };
  let version: DatasetVersion;
  try {
    version = await getDatasetVersion(hub, ref.name, segmentOf(ref));
  } catch (err) {
    if (cached && unreachable(err)) return { version: cached.version, source: 'cache' };
    if (unreachable(err)) throw new OutpostRuntimeError('offline', `dataset ${asked} is not cached on this device and the hub cannot be reached: ${(err as Error).message}`, { cause: err });
    throw hubFailure(err, `could not resolve dataset ${asked}`);
  }
  await keepVersion(hub.base, asked, version);
  return { version, source: 'network' };
}

/** Stored under the ref as asked and under its number, so `ds/3` works offline after `ds@current` resolved to it. */
async function keepVersion(hub: string, asked: string, version: DatasetVersion): Promise<void> {
  const now = Date.now();
  const records: StoredDatasetVersion[] = [...new Set([asked, version.ref])].map((ref) => ({ key: datasetVersionKey(hub, ref), hub, ref, version, storedAt: now }));
  try {
    const db = await openStore();
    const tx = db.transaction('datasetVersions', 'readwrite');
    await Promise.all([...records.map((r) => tx.store.put(r)), tx.done]);
  } catch (err) {
    throw storageError(err, `keeping dataset ${version.ref} in IndexedDB`);
  }
}
