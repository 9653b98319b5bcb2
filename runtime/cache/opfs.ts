/**
 * Large model files live in the Origin Private File System (OPFS), one file per blob named by its sha256 hex, in the
 * folder `outpost-models`; their IndexedDB record (runtime/cache/db.ts) says so. The record, not the file, makes a
 * blob cached: a file is written before its record and deleted after it.
 */

/** Files this large or larger go to OPFS when the browser has it; smaller ones stay in IndexedDB beside their manifest. */
export const OPFS_FROM_BYTES = 1 << 20;

const FOLDER = 'outpost-models';

/** The OPFS name of a blob's file. */
export const opfsName = (digest: string) => digest.replace(/^sha256:/, '');

let available: Promise<boolean> | undefined;

/** Whether this context can store files in OPFS (absent in older browsers, and refused in some private modes). */
export function opfsAvailable(): Promise<boolean> {
  available ??= (async () => {
    if (typeof navigator === 'undefined' || typeof navigator.storage?.getDirectory !== 'function') return false;
    // Writing from the page needs createWritable (Safari before 26 has only the worker's sync handles).
    if (typeof FileSystemFileHandle === 'undefined' || typeof FileSystemFileHandle.prototype.createWritable !== 'function') return false;
    return modelFolder().then(() => true, () => false);
  })();
  return available;
}

let folder: Promise<FileSystemDirectoryHandle> | undefined;

/** The folder's handle, looked up once per context (that lookup is most of the time a warm load spends opening a file). */
function modelFolder(): Promise<FileSystemDirectoryHandle> {
  if (!folder) {
    const looking = navigator.storage.getDirectory().then((root) => root.getDirectoryHandle(FOLDER, { create: true }));
    looking.catch(() => folder === looking && (folder = undefined));
    folder = looking;
  }
  return folder;
}

/** A file's handle; a refusal is asked once more with the folder looked up afresh (its handle may have gone stale). */
async function fileHandle(name: string, create = false): Promise<FileSystemFileHandle> {
  try {
    return await (await modelFolder()).getFileHandle(name, { create });
  } catch {
    folder = undefined;
    return (await modelFolder()).getFileHandle(name, { create });
  }
}

/** A stored file, read where it is asked for (the inference worker reads its own, so no page thread copies it). */
export async function readOpfsFile(name: string): Promise<File> {
  return (await fileHandle(name)).getFile();
}

/**
 * A stored file's bytes, in a worker straight into one buffer through a sync access handle (read-only, so readers in
 * other tabs do not lock each other out); as a File read elsewhere, or when the handle is refused.
 */
export async function readOpfsBytes(name: string): Promise<ArrayBuffer> {
  const handle = await fileHandle(name);
  const sync = handle as FileSystemFileHandle & { createSyncAccessHandle?: (options?: { mode: string }) => Promise<FileSystemSyncAccessHandle> };
  if (typeof sync.createSyncAccessHandle === 'function') {
    try {
      const access = await sync.createSyncAccessHandle({ mode: 'read-only' });
      try {
        const bytes = new ArrayBuffer(access.getSize());
        if (access.read(new Uint8Array(bytes), { at: 0 }) === bytes.byteLength) return bytes;
      } finally {
        access.close();
      }
    } catch {
      // Locked by a writer, or the mode unknown to this browser: read it as a File.
    }
  }
  return (await handle.getFile()).arrayBuffer();
}

/**
 * A stored file read through a sync access handle into the view `into` gives for its size (a worker's memory that is
 * already there, e.g. onnxruntime's heap); null when this context has no sync access handle, or `into` gives none, or
 * the read comes up short. Rejects when the file is gone.
 */
export async function readOpfsInto(name: string, into: (size: number) => Uint8Array | null): Promise<Uint8Array | null> {
  const handle = (await fileHandle(name)) as FileSystemFileHandle & { createSyncAccessHandle?: (options?: { mode: string }) => Promise<FileSystemSyncAccessHandle> };
  if (typeof handle.createSyncAccessHandle !== 'function') return null;
  const access = await handle.createSyncAccessHandle({ mode: 'read-only' }).catch(() => null);
  if (!access) return null;
  try {
    const view = into(access.getSize());
    if (!view) return null;
    return access.read(view as Uint8Array<ArrayBuffer>, { at: 0 }) === view.byteLength ? view : null;
  } finally {
    access.close();
  }
}

/** Writes a file as its bytes arrive; the file appears whole or not at all (the browser commits on close). */
export interface OpfsWriter {
  write(bytes: Uint8Array, at: number): void;
  /** Waits for every write, truncates to `size`, and commits the file. */
  commit(size: number): Promise<void>;
  abort(): Promise<void>;
}

export async function openOpfsWriter(name: string): Promise<OpfsWriter> {
  const handle = await fileHandle(name, true);
  const stream = await handle.createWritable();
  // Writes go in order, one after another; the first failure (a full quota) is what commit reports.
  let chain: Promise<void> = Promise.resolve();
  return {
    write(bytes, at) {
      chain = chain.then(() => stream.write({ type: 'write', position: at, data: bytes as Uint8Array<ArrayBuffer> }));
      // Observed until commit or abort awaits it: a failed write is reported there, not as an unhandled rejection.
      chain.catch(() => {});
    },
    async commit(size) {
      await chain;
      await stream.truncate(size);
      await stream.close();
    },
    async abort() {
      await chain.catch(() => {});
      await stream.abort().catch(() => {});
    },
  };
}

export async function deleteOpfsFilesExcept(keep: Set<string>): Promise<void> {
  if (!(await opfsAvailable())) return;
  const dir = await modelFolder();
  const names: string[] = [];
  for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
  await Promise.all(names.filter((n) => !keep.has(n) && !n.startsWith('.')).map((n) => dir.removeEntry(n).catch(() => {})));
}

export async function deleteOpfsFile(name: string): Promise<void> {
  await (await modelFolder()).removeEntry(name).catch(() => {});
}
