import { datasetFiles } from '../../shared/client/datasets.js';
import type { HubClient } from '../../shared/client/hub-client.js';
import type { DatasetFile, DatasetVersion } from '../../shared/schemas/datasets.js';
import { datasetFileKey, datasetVersionKey, openStore, type StoredDatasetFile } from '../cache/db.js';
import { OutpostRuntimeError, storageError } from '../errors.js';
import { hubFailure } from '../hub.js';
import { unreachable } from './version.js';

export interface FilesPage {
  files: DatasetFile[];
  /** The next page's `after`; null on the last page. */
  next: string | null;
}

/** Entries a page by default, and at most (the hub's page limit). */
export const DEFAULT_PAGE = 1000;
export const MAX_PAGE = 10_000;
/** Entries asked for at a time while looking one path up. */
const LOOKUP_PAGE = 100;

/**
 * A version's manifest, read a page at a time from the hub and kept entry by entry in IndexedDB: entries are
 * immutable for a numbered version, so a path seen once is found offline, and a manifest read through once can be
 * listed offline.
 */
export class ManifestPages {
  private readonly key: string;
  constructor(
    private readonly hub: HubClient,
    private readonly version: DatasetVersion,
  ) {
    this.key = datasetVersionKey(hub.base, version.ref);
  }

  /** A page in path order (the hub's: UTF-8 bytes); offline, from IndexedDB when the whole manifest is kept there. */
  async page(after: string | undefined, limit = DEFAULT_PAGE): Promise<FilesPage> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new OutpostRuntimeError('bad_request', `limit: ${limit} is not a whole number from 1 to ${MAX_PAGE}`);
    try {
      const page = await datasetFiles(this.hub, this.version.dataset, this.version.version, { after, limit });
      await this.keep(page.files);
      return page;
    } catch (err) {
      if (!unreachable(err)) throw hubFailure(err, `could not list the files of ${this.version.ref}`);
      return this.cachedPage(after, limit, err);
    }
  }

  /** The entry for a path, from IndexedDB when seen before, else looked up on the hub; null when the version has no such file. */
  async entry(path: string): Promise<DatasetFile | null> {
    const db = await openStore();
    const kept = await db.get('datasetFiles', datasetFileKey(this.key, path));
    if (kept) return { path: kept.path, digest: kept.digest, size: kept.size };
    // Paths that start with `prefix` sort right after it: the path is among the first of them, or absent.
    const prefix = Array.from(path).slice(0, -1).join('');
    let after: string | null = prefix;
    while (after !== null) {
      const page: FilesPage = await this.page(after, LOOKUP_PAGE);
      for (const f of page.files) {
        if (f.path === path) return f;
        if (!f.path.startsWith(prefix)) return null;
      }
      after = page.next;
    }
    return null;
  }

  private async keep(files: DatasetFile[]): Promise<void> {
    if (!files.length) return;
    try {
      const db = await openStore();
      const tx = db.transaction('datasetFiles', 'readwrite');
      const records: StoredDatasetFile[] = files.map((f) => ({ key: datasetFileKey(this.key, f.path), version: this.key, path: f.path, digest: f.digest, size: f.size }));
      await Promise.all([...records.map((r) => tx.store.put(r)), tx.done]);
    } catch (err) {
      throw storageError(err, `keeping the manifest of ${this.version.ref} in IndexedDB`);
    }
  }

  private async cachedPage(after: string | undefined, limit: number, cause: unknown): Promise<FilesPage> {
    const db = await openStore();
    const kept = await db.countFromIndex('datasetFiles', 'version', this.key);
    if (kept < this.version.files) {
      throw new OutpostRuntimeError(
        'offline',
        `the hub cannot be reached and ${kept} of the ${this.version.files} entries of ${this.version.ref} are kept on this device: list the files once online (for await … of ds.files()) to keep them all`,
        { cause },
      );
    }
    // Every key of this version starts with `${key}\n`; '\u000b' is the character after '\n'.
    const range = IDBKeyRange.bound(datasetFileKey(this.key, after ?? ''), `${this.key}\u000b`, after !== undefined, true);
    const files: DatasetFile[] = [];
    let cursor = await db.transaction('datasetFiles').store.openCursor(range);
    while (cursor && files.length <= limit) {
      files.push({ path: cursor.value.path, digest: cursor.value.digest, size: cursor.value.size });
      cursor = await cursor.continue();
    }
    const more = files.length > limit;
    if (more) files.pop();
    return { files, next: more ? files[files.length - 1]!.path : null };
  }
}
