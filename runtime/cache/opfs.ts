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

async function modelFolder(): Promise<FileSystemDirectoryHandle> {
  return (await navigator.storage.getDirectory()).getDirectoryHandle(FOLDER, { create: true });
}

/** A stored file, read where it is asked for (the inference worker reads its own, so no page thread copies it). */
export async function readOpfsFile(name: string): Promise<File> {
  return (await (await modelFolder()).getFileHandle(name)).getFile();
}

/**
 * A stored file's bytes, in a worker straight into one buffer through a sync access handle (read-only, so readers in
 * other tabs do not lock each other out); as a File read elsewhere, or when the handle is refused.
 */
export async function readOpfsBytes(name: string): Promise<ArrayBuffer> {
  const handle = await (await modelFolder()).getFileHandle(name);
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

/** Writes a file as its bytes arrive; the file appears whole or not at all (the browser commits on close). */
export interface OpfsWriter {
  write(bytes: Uint8Array, at: number): void;
  /** Waits for every write, truncates to `size`, and commits the file. */
  commit(size: number): Promise<void>;
  abort(): Promise<void>;
}

export async function openOpfsWriter(name: string): Promise<OpfsWriter> {
  const handle = await (await modelFolder()).getFileHandle(name, { create: true });
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
