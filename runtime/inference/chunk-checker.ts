import { chunkCount, hashHere, isShared, type ChunkHasher } from '../cache/chunks.js';

/**
 * Hashes chunks on a thread of its own, a worker the inference worker starts: Chromium's WebCrypto digests on the
 * calling thread, where 100 MB would hold up every other session's runs in that worker for half a second or more.
 */
const SOURCE = `onmessage = async (e) => {
  const { id, bytes, chunk } = e.data;
  const view = new Uint8Array(bytes);
  const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
  const digests = [];
  for (let i = 0, n = Math.max(1, Math.ceil(view.byteLength / chunk)); i < n; i++) digests.push(hex(await crypto.subtle.digest('SHA-256', view.subarray(i * chunk, (i + 1) * chunk))));
  postMessage({ id, digests });
};`;

let checker: Worker | undefined;
const waiting = new Map<number, (digests: string[]) => void>();
let nextId = 1;

function start(): Worker | undefined {
  // Nested workers are missing in some older browsers: hash here then.
  if (typeof Worker === 'undefined') return undefined;
  try {
    const worker = new Worker(URL.createObjectURL(new Blob([SOURCE], { type: 'text/javascript' })));
    worker.onmessage = (e: MessageEvent<{ id: number; digests: string[] }>) => {
      waiting.get(e.data.id)?.(e.data.digests);
      waiting.delete(e.data.id);
    };
    return worker;
  } catch {
    return undefined;
  }
}

function post(worker: Worker, bytes: ArrayBuffer, chunk: number): Promise<string[]> {
  const id = nextId++;
  const done = new Promise<string[]>((resolve) => waiting.set(id, resolve));
  worker.postMessage({ id, bytes, chunk }, [bytes]);
  return done;
}

/**
 * Hashes on the checker's thread. With `handOver`, a view of a whole buffer of its own goes there by transfer (detached
 * here) instead of a copy; anything else (a part of a buffer, onnxruntime's shared heap, or bytes the caller keeps) is
 * copied a chunk at a time, each copy transferred.
 */
export const hashElsewhere =
  (handOver: boolean): ChunkHasher =>
  async (view, chunk) => {
    checker ??= start();
    if (!checker) return hashHere(view, chunk);
    const whole = !isShared(view) && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
    if (handOver && whole) return post(checker, view.buffer as ArrayBuffer, chunk);
    const parts: Promise<string[]>[] = [];
    for (let i = 0, n = chunkCount(view.byteLength, chunk); i < n; i++) {
      parts.push(post(checker, view.slice(i * chunk, (i + 1) * chunk).buffer, chunk));
      // Between copies, this thread's other tasks (other sessions' runs) get their turn.
      if (i + 1 < n) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return (await Promise.all(parts)).flat();
  };
