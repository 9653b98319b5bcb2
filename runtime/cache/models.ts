import type { Manifest, ManifestFile } from '../../shared/schemas/registry.js';
import { OutpostRuntimeError, storageError, throwIfAborted } from '../errors.js';
import type { HubClient } from '../../shared/client/hub-client.js';
import { fetchManifest } from '../../shared/client/registry.js';
import { parseModelRef, type ModelRef } from '../../shared/refs.js';
import { hubFailure } from '../hub.js';
import type { FileChecks, WorkerFile } from '../inference/protocol.js';
import { chunkDigests } from './chunks.js';
import { manifestKey, openStore, storedBytes, type StoredBlob, type StoredManifest } from './db.js';
import { verifyBlob } from './digest.js';
import { downloadBlob } from './download.js';
import { deleteOpfsFile, OPFS_FROM_BYTES, opfsAvailable, opfsName, openOpfsWriter } from './opfs.js';

export interface FileProgress {
  path: string;
  loaded: number;
  total: number;
}
/** Bytes loaded of the whole model and per file; files already cached count as loaded. */
export interface LoadProgress {
  loaded: number;
  total: number;
  files: FileProgress[];
}

export interface PullOptions {
  signal?: AbortSignal;
  onProgress?: (p: LoadProgress) => void;
  /** false: download and verify, but keep nothing on the device. */
  cache?: boolean;
}

/** Files as the inference worker takes them: cache hits as IndexedDB Blob handles or OPFS names, read and checked in the worker. */
export interface WorkerFiles {
  manifest: Manifest;
  files: Record<string, WorkerFile>;
  /** Set when the files still need checking (cache hits): path → digest, size and the chunk digests recorded at download. */
  verify?: FileChecks;
  source: 'network' | 'cache';
  /** Cache hits: asks the hub whether the ref moved and stores the new version for the next load; true when it did. */
  revalidate: () => Promise<boolean>;
}

export interface ModelFiles {
  manifest: Manifest;
  files: Record<string, ArrayBuffer>;
  source: 'network' | 'cache';
  /** Cache hits: asks the hub whether the ref moved and stores the new version for the next load; true when it did. */
  revalidate: () => Promise<boolean>;
}

const DOWNLOADS_AT_ONCE = 4;

/** A model ref (shared/refs.ts), its refusal as the runtime's `bad_ref`. */
function modelRef(ref: string): ModelRef {
  try {
    return parseModelRef(ref);
  } catch (err) {
    throw new OutpostRuntimeError('bad_ref', (err as Error).message);
  }
}

/** Where downloaded files already went: OPFS files written as they streamed in, by digest. */
type Written = Map<string, Pick<StoredBlob, 'opfs' | 'chunks'>>;

/** Pulls models from a hub into IndexedDB (large files into OPFS) and reads them back, never handing out bytes that fail their check. */
export class ModelCache {
  constructor(
    private readonly hub: HubClient,
    private readonly deviceId?: string,
  ) {}

  /**
   * For inference: a cache hit hands over IndexedDB's Blob handles and OPFS names unread and unchecked, so the worker
   * reads them and checks their chunks while it builds the session (runs wait for the check; a failed one disposes the
   * session). Misses download and verify as `load` does.
   */
  async loadForWorker(ref: string, options: PullOptions = {}): Promise<WorkerFiles> {
    // `local:<name>` is a model saved on this device (op.finetune → ft.save).
    if (!ref.startsWith('local:')) modelRef(ref);
    // The manifest and its blob records in one transaction: a warm load is two IndexedDB round trips fewer.
    const db = await openStore();
    const tx = db.transaction(['manifests', 'blobs']);
    const stored = await tx.objectStore('manifests').get(manifestKey(this.hub.base, ref));
    if (stored) {
      const records = await Promise.all(stored.manifest.files.map((f) => tx.objectStore('blobs').get(f.digest)));
      if (records.every((r, i) => r && r.size === stored.manifest.files[i]!.size)) {
        report(options.onProgress, stored.manifest.files, new Map(stored.manifest.files.map((f) => [f.path, f.size])));
        const files = Object.fromEntries(stored.manifest.files.map((f, i) => [f.path, records[i]!.data ?? { opfs: records[i]!.opfs! }]));
        const verify = Object.fromEntries(stored.manifest.files.map((f, i) => [f.path, { digest: f.digest, size: f.size, ...(records[i]!.chunks ? { chunks: records[i]!.chunks } : {}) }]));
        return { manifest: stored.manifest, files, verify, source: 'cache', revalidate: () => this.revalidate(ref, stored) };
      }
    }
    return this.load(ref, options);
  }

  private stored(ref: string): Promise<StoredManifest | undefined> {
    modelRef(ref.startsWith('local:') ? ref.slice('local:'.length) : ref);
    return openStore().then((db) => db.get('manifests', manifestKey(this.hub.base, ref)));
  }

  private revalidate(ref: string, stored: StoredManifest): Promise<boolean> {
    return stored.local ? Promise.resolve(false) : this.fetchNewer(ref, stored.manifest.etag).then(Boolean, () => false);
  }

  async load(ref: string, options: PullOptions = {}): Promise<ModelFiles> {
    const stored = await this.stored(ref);
    if (stored) {
      const files = await this.readCached(stored.manifest);
      if (files) {
        report(options.onProgress, stored.manifest.files, new Map(stored.manifest.files.map((f) => [f.path, f.size])));
        return { manifest: stored.manifest, files, source: 'cache', revalidate: () => this.revalidate(ref, stored) };
      }
    }
    if (ref.startsWith('local:')) throw new OutpostRuntimeError('not_found', `no model is saved on this device as ${ref} (saved: op.cache.list())`);
    let fresh: { manifest: Manifest; files: Record<string, ArrayBuffer> };
    try {
      fresh = (await this.pull(ref, undefined, options))!;
    } catch (err) {
      const code = (err as OutpostRuntimeError).code;
      if (stored && (code === 'offline' || code === 'hub')) {
        throw new OutpostRuntimeError('integrity', `the cached copy of ${ref} is damaged and the hub cannot be reached to fetch it again (${(err as Error).message})`, { cause: err });
      }
      if (code === 'offline') throw new OutpostRuntimeError('offline', `${ref} is not cached on this device and could not be downloaded: ${(err as Error).message}`, { cause: err });
      throw err;
    }
    return { ...fresh, source: 'network', revalidate: async () => false };
  }

  /** Fetches the ref's manifest; when it differs from `etag`, downloads and stores that version. Null when unchanged. */
  async fetchNewer(ref: string, etag: string, options: PullOptions = {}) {
    return this.pull(ref, etag, options);
  }

  private async pull(ref: string, etag: string | undefined, options: PullOptions) {
    const manifest = await fetchManifest(this.hub, modelRef(ref), { etag, signal: options.signal, device: this.deviceId }).catch((err) => {
      throw hubFailure(err, `could not resolve ${ref}`);
    });
    if (!manifest) return null;
    const { files, written } = await this.download(manifest, options);
    if (options.cache !== false) await this.save(ref, manifest, files, false, written);
    return { manifest, files };
  }

  /** The files of a manifest from IndexedDB or OPFS, each verified; null when any is missing or damaged (damaged ones are deleted). */
  private async readCached(manifest: Manifest): Promise<Record<string, ArrayBuffer> | null> {
    const db = await openStore();
    const files: Record<string, ArrayBuffer> = {};
    for (const file of manifest.files) {
      const blob = await db.get('blobs', file.digest);
      if (!blob) return null;
      const data = await storedBytes(blob);
      try {
        if (!data) throw new Error('gone');
        await verifyBlob(data, file.digest, file.size, `cached file ${file.path}`);
      } catch {
        await this.drop([file.digest]);
        return null;
      }
      files[file.path] = data;
    }
    return files;
  }

  /** Forgets stored files whose bytes turned out damaged (their records and OPFS files), so the next load downloads them. */
  async drop(digests: string[]): Promise<void> {
    const db = await openStore();
    for (const digest of digests) {
      const record = await db.get('blobs', digest);
      await db.delete('blobs', digest);
      if (record?.opfs) await deleteOpfsFile(record.opfs);
    }
  }

  private async download(manifest: Manifest, { signal, onProgress, cache }: PullOptions): Promise<{ files: Record<string, ArrayBuffer>; written: Written }> {
    const db = await openStore();
    const files: Record<string, ArrayBuffer> = {};
    const written: Written = new Map();
    const loaded = new Map<string, number>();
    const missing: ManifestFile[] = [];
    for (const file of manifest.files) {
      const blob = await db.get('blobs', file.digest);
      // Another version may already hold this file: reuse it once its bytes check out.
      const data = blob && blob.size === file.size ? await storedBytes(blob) : undefined;
      if (data && (await verifyBlob(data, file.digest, file.size, file.path).then(() => true, () => false))) {
        files[file.path] = data;
        if (blob!.opfs) written.set(file.digest, { opfs: blob!.opfs, chunks: blob!.chunks });
        loaded.set(file.path, file.size);
      } else missing.push(file);
    }
    report(onProgress, manifest.files, loaded);
    const queue = [...missing];
    const toOpfs = cache !== false && (await opfsAvailable());
    const worker = async () => {
      for (let file = queue.shift(); file; file = queue.shift()) {
        throwIfAborted(signal, `loading ${manifest.model}`);
        // Large files are written to OPFS as they stream in; the file counts only once its record is saved.
        const writer = toOpfs && file.size >= OPFS_FROM_BYTES ? await openOpfsWriter(opfsName(file.digest)) : undefined;
        try {
          const data = await downloadBlob(
            this.hub,
            file,
            signal,
            (n) => {
              loaded.set(file!.path, n);
              report(onProgress, manifest.files, loaded);
            },
            writer && ((bytes, at) => writer.write(bytes, at)),
          );
          await verifyBlob(data, file.digest, file.size, `${file.path} of ${manifest.model} v${manifest.version} as downloaded`);
          if (writer) {
            const [chunks] = await Promise.all([chunkDigests(data), writer.commit(file.size)]);
            written.set(file.digest, { opfs: opfsName(file.digest), chunks });
          }
          files[file.path] = data;
        } catch (err) {
          await writer?.abort();
          throw storageError(err, `caching ${manifest.model} v${manifest.version}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DOWNLOADS_AT_ONCE, missing.length) }, worker));
    return { files, written };
  }

  /**
   * Blob records and the manifest in one transaction: a manifest is never stored without all its files. Files already
   * in OPFS (`written`) get a record naming them; the others go into IndexedDB. Each record carries its chunk digests.
   */
  async save(ref: string, manifest: Manifest, files: Record<string, ArrayBuffer>, local = false, written: Written = new Map()): Promise<void> {
    const db = await openStore();
    // Hashed before the transaction opens: IndexedDB commits a transaction that waits on anything else.
    const chunks = await Promise.all(manifest.files.map((f) => written.get(f.digest)?.chunks ?? chunkDigests(files[f.path]!)));
    try {
      const tx = db.transaction(['blobs', 'manifests'], 'readwrite');
      const now = Date.now();
      const writes: Promise<unknown>[] = manifest.files.map((f, i) => {
        const opfs = written.get(f.digest)?.opfs;
        const where = opfs ? { opfs } : { data: new Blob([files[f.path]!]) };
        return tx.objectStore('blobs').put({ digest: f.digest, size: f.size, ...where, chunks: chunks[i], storedAt: now });
      });
      const record: StoredManifest = { key: manifestKey(this.hub.base, ref), hub: this.hub.base, ref, manifest, storedAt: now, ...(local ? { local } : {}) };
      writes.push(tx.objectStore('manifests').put(record));
      await Promise.all([...writes, tx.done]);
    } catch (err) {
      throw storageError(err, `caching ${manifest.model} v${manifest.version}`);
    }
  }
}

function report(onProgress: PullOptions['onProgress'], files: ManifestFile[], loaded: Map<string, number>) {
  if (!onProgress) return;
  const perFile = files.map((f) => ({ path: f.path, loaded: loaded.get(f.path) ?? 0, total: f.size }));
  onProgress({ loaded: perFile.reduce((s, f) => s + f.loaded, 0), total: perFile.reduce((s, f) => s + f.total, 0), files: perFile });
}
