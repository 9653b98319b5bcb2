import * as Comlink from 'comlink';
import { chunkFailure } from '../cache/chunks.js';
import { readOpfsBytes } from '../cache/opfs.js';
import { OutpostRuntimeError } from '../errors.js';
import { hashElsewhere } from './chunk-checker.js';
import { createOnnxSession, onnxMainPath, type OpfsModel } from './engines/onnx.js';
import { createTfjsSession } from './engines/tfjs.js';
import { damagedFilesError, installErrorTransfer, type FailedCheck, type FileChecks, type InferenceWorkerApi, type WorkerConfig, type WorkerFile } from './protocol.js';
import type { Feeds, Outputs } from './tensors.js';

/** The inference worker: holds sessions, runs them off the page's main thread, transfers outputs back. */
interface Session {
  run(feeds: Feeds, dtypes: Record<string, string>): Promise<Outputs>;
  dispose(): Promise<void>;
}

interface Held {
  session: Session;
  /** The check of the files the session was built from; runs wait for it. */
  failed: Promise<FailedCheck[]>;
  label: string;
}

installErrorTransfer();
let config: WorkerConfig | undefined;
const sessions = new Map<number, Held>();
let next = 1;

const outputBuffers = (outputs: Outputs) => Object.values(outputs).map((t) => t.data.buffer as ArrayBuffer);

/** A file's bytes, read here so the page thread never copies them; null when an OPFS file is gone. */
async function readFile(file: WorkerFile): Promise<ArrayBuffer | null> {
  if (file instanceof ArrayBuffer) return file;
  if (file instanceof Blob) return file.arrayBuffer();
  return readOpfsBytes(file.opfs).catch(() => null);
}

/**
 * Every file against its recorded chunk digests, hashed on the checker's thread (chunk-checker.ts); a file that is null
 * (gone from storage) or absent fails, except with `onlyRead`, where an absent file (never read: a build that failed
 * before it) is left out.
 */
async function checkFiles(files: Record<string, Uint8Array | null>, checks: FileChecks, handOver: boolean, onlyRead = false): Promise<FailedCheck[]> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([path, check]) => {
      if (onlyRead && !(path in files)) return null;
      const bytes = files[path];
      const why = bytes ? await chunkFailure(bytes, check, hashElsewhere(handOver)) : 'it is missing from the browser’s storage';
      return why ? { path, digest: check.digest, why } : null;
    }),
  );
  return results.filter((r): r is FailedCheck => r !== null);
}

const api: InferenceWorkerApi = {
  async init(c) {
    config = c;
  },
  async create(request) {
    if (!config) throw new Error('inference worker used before init');
    // An ONNX model file in OPFS is read by the engine, into onnxruntime's heap (engines/ort-heap.ts); the rest here.
    const main = request.format === 'onnx' ? onnxMainPath(Object.keys(request.files)) : undefined;
    const mainFile = main === undefined ? undefined : request.files[main];
    const opfsModel: OpfsModel | undefined = mainFile && !(mainFile instanceof ArrayBuffer) && !(mainFile instanceof Blob) ? { opfs: mainFile.opfs } : undefined;
    const rest = Object.entries(request.files).filter(([path]) => !opfsModel || path !== main);
    const read = await Promise.all(rest.map(async ([path, data]) => [path, await readFile(data)] as const));
    const { checks } = request;
    const bytes = (): Record<string, Uint8Array | null> => ({
      ...Object.fromEntries(read.map(([path, data]) => [path, data && new Uint8Array(data)])),
      ...(opfsModel?.placed ? { [main!]: opfsModel.placed.bytes } : {}),
    });
    // Once the session is built the bytes are onnxruntime's own copy in its heap: ours go to the checker without a copy
    // (those in onnxruntime's heap are copied there a chunk at a time, and the heap's region freed after).
    // tfjs may keep views of them, so they are copied there.
    const check = async (onlyRead = false): Promise<FailedCheck[]> => {
      try {
        return checks ? await checkFiles(bytes(), checks, request.format === 'onnx', onlyRead) : [];
      } finally {
        opfsModel?.placed?.release();
      }
    };
    if (read.some(([, data]) => !data)) throw damagedFilesError(request.label, await check(true));
    const build = { ...request, files: Object.fromEntries(read) as Record<string, ArrayBuffer> };
    const session = await (request.format === 'onnx' ? createOnnxSession(config, build, opfsModel) : createTfjsSession(config, build)).catch(async (err) => {
      // Damaged bytes may be what broke the build: then the check's verdict is the error that counts.
      const damaged = await check(true);
      if (damaged.length) throw damagedFilesError(request.label, damaged);
      throw err;
    });
    // The check runs after the build, on the very bytes it was built from, while the caller already has its session:
    // a run waits for it, and a failed one never runs the session. It starts once this reply is on its way (copying
    // bytes out of onnxruntime's heap is work this thread does).
    const failed = new Promise((resolve) => setTimeout(resolve, 0)).then(() => check());
    const id = next++;
    sessions.set(id, {
      session,
      label: request.label,
      failed: failed.then(async (damaged) => {
        if (damaged.length) await session.dispose();
        return damaged;
      }),
    });
    return { session: id, backend: session.backend, loadPath: opfsModel?.placed?.into ?? 'buffer' };
  },
  async failedChecks(id) {
    return (await sessions.get(id)?.failed) ?? [];
  },
  async run(id, feeds, dtypes) {
    const held = sessions.get(id);
    if (!held) throw new OutpostRuntimeError('disposed', 'this model was disposed: load it again');
    const damaged = await held.failed;
    if (damaged.length) throw damagedFilesError(held.label, damaged);
    const outputs = await held.session.run(feeds, dtypes);
    return Comlink.transfer(outputs, outputBuffers(outputs));
  },
  async dispose(id) {
    const held = sessions.get(id);
    sessions.delete(id);
    if (held && !(await held.failed).length) await held.session.dispose();
  },
};

Comlink.expose(api);
