import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Manifest } from '../../shared/schemas/registry.js';
import type { OutboxItem } from '../../shared/client/sync.js';
import type { DatasetFile, DatasetVersion } from '../../shared/schemas/datasets.js';
import type { TelemetrySyncItem } from '../../shared/schemas/sync.js';
import type { FetchedRow } from '../features/answer.js';
import { readOpfsFile } from './opfs.js';

/** A manifest as last seen from a hub for a ref; `local` ones were saved on the device (fine-tunes). */
export interface StoredManifest {
  key: string;
  hub: string;
  ref: string;
  manifest: Manifest;
  storedAt: number;
  local?: boolean;
}

export interface StoredBlob {
  digest: string;
  size: number;
  /** A Blob (IndexedDB keeps it as a file and hands out a cheap handle); ArrayBuffer in older records. Absent when in OPFS. */
  data?: Blob | ArrayBuffer;
  /** The file's name in OPFS (runtime/cache/opfs.ts), for large model files. */
  opfs?: string;
  /** The hex sha256 of each 4 MiB chunk (runtime/cache/chunks.ts), recorded once the download matched the digest. */
  chunks?: string[];
  storedAt: number;
}

export const blobBytes = (data: Blob | ArrayBuffer): Promise<ArrayBuffer> => (data instanceof Blob ? data.arrayBuffer() : Promise.resolve(data));

/** A stored blob's bytes, from IndexedDB or OPFS; null when its OPFS file is gone. */
export async function storedBytes(record: StoredBlob): Promise<ArrayBuffer | null> {
  if (record.data) return blobBytes(record.data);
  return readOpfsFile(record.opfs!).then((f) => f.arrayBuffer(), () => null);
}

export interface OutboxRecord {
  /** The item's client id: the hub applies each id once. */
  id: string;
  hub: string;
  item: OutboxItem;
  createdAt: number;
}

/** One entity row's online features for one selection (a service or a feature list), as last fetched from a hub. */
export interface StoredFeatureRow extends FetchedRow {
  /** hub + selection + entity row */
  key: string;
  hub: string;
}

/** A tab's open telemetry periods, saved as they grow, so a closed or crashed tab loses at most a moment of them. */
export interface TelemetrySnapshot {
  /** hub + tab id */
  key: string;
  hub: string;
  tab: string;
  items: TelemetrySyncItem[];
  savedAt: number;
}

/** A dataset version's description as last seen from a hub, under the ref it was asked by (`ds/3`, `ds@current`, `ds`). */
export interface StoredDatasetVersion {
  /** hub + ref as asked */
  key: string;
  hub: string;
  ref: string;
  version: DatasetVersion;
  storedAt: number;
}

/** One manifest entry of a dataset version, kept as pages are read, so a version can be listed and its files found offline. */
export interface StoredDatasetFile extends DatasetFile {
  /** hub + `ds/3` + path */
  key: string;
  /** hub + `ds/3`: the version the entry belongs to */
  version: string;
}

interface RuntimeDb extends DBSchema {
  manifests: { key: string; value: StoredManifest; indexes: { hub: string } };
  blobs: { key: string; value: StoredBlob };
  outbox: { key: string; value: OutboxRecord; indexes: { hub: string } };
  telemetry: { key: string; value: TelemetrySnapshot; indexes: { hub: string } };
  features: { key: string; value: StoredFeatureRow; indexes: { hub: string } };
  datasetVersions: { key: string; value: StoredDatasetVersion; indexes: { hub: string } };
  datasetFiles: { key: string; value: StoredDatasetFile; indexes: { version: string } };
  /** Dataset files' bytes by digest, apart from model blobs: evicting a model never drops a dataset's files. */
  datasetBlobs: { key: string; value: StoredBlob };
}

export type Store = IDBPDatabase<RuntimeDb>;

const DB_NAME = 'outpost-runtime';
let opened: Promise<Store> | undefined;

/** One IndexedDB database per origin holds every hub's models, outbox, features and datasets (blobs are content-addressed and shared). */
export function openStore(): Promise<Store> {
  opened ??= openDB<RuntimeDb>(DB_NAME, 4, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore('manifests', { keyPath: 'key' }).createIndex('hub', 'hub');
        db.createObjectStore('blobs', { keyPath: 'digest' });
        db.createObjectStore('outbox', { keyPath: 'id' }).createIndex('hub', 'hub');
      }
      if (oldVersion < 2) db.createObjectStore('telemetry', { keyPath: 'key' }).createIndex('hub', 'hub');
      if (oldVersion < 3) db.createObjectStore('features', { keyPath: 'key' }).createIndex('hub', 'hub');
      if (oldVersion < 4) {
        db.createObjectStore('datasetVersions', { keyPath: 'key' }).createIndex('hub', 'hub');
        db.createObjectStore('datasetFiles', { keyPath: 'key' }).createIndex('version', 'version');
        db.createObjectStore('datasetBlobs', { keyPath: 'digest' });
      }
    },
    // Another tab upgrading the schema: let it, and reopen on next use.
    blocking() {
      void opened?.then((db) => db.close());
      opened = undefined;
    },
  });
  return opened;
}

export const manifestKey = (hub: string, ref: string) => `${hub}\n${ref}`;
export const featureRowKey = (hub: string, selection: string, row: string) => `${hub}\n${selection}\n${row}`;
export const datasetVersionKey = (hub: string, ref: string) => `${hub}\n${ref}`;
export const datasetFileKey = (version: string, path: string) => `${version}\n${path}`;
