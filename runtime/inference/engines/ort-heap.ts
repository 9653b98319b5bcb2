import type * as Ort from 'onnxruntime-web';
import { readOpfsInto } from '../../cache/opfs.js';

/**
 * A model file read from OPFS straight into onnxruntime-web's wasm heap, so a warm load makes no 100 MB buffer of its
 * own: a fresh buffer that size costs its page faults (about 1 ms per MiB on this project's machine, more than reading
 * the file), where the heap's pages are already there from the last session. onnxruntime-web builds a session from a
 * `Uint8Array` on its own heap without copying it (`createSession`: `modelData.buffer === wasm.HEAPU8.buffer`), and
 * frees that region once the session is built; the free is held back here until the region was copied to the chunk
 * checker, so the check still hashes the very bytes the session was built from.
 *
 * onnxruntime-web does not export its Emscripten module: it is caught while the wasm starts, when the module's
 * factory reads `Module.instantiateWasm` (an accessor on Object.prototype for that moment, answering undefined, so the
 * start goes on unchanged). A build where that no longer happens simply gets no heap: files are read into buffers.
 */
interface OrtModule {
  _malloc(size: number): number;
  _free(ptr: number): void;
  HEAPU8: Uint8Array;
}

interface Heap {
  module: OrtModule;
  /** Regions placed here and not yet released: onnxruntime's free of one is held back until then. */
  held: Set<number>;
  /** The module's own free. */
  free(ptr: number): void;
}

/** y = Identity(x), 80 bytes (hub/registry/onnx/write.ts): a session to start the wasm with. */
const IDENTITY_ONNX = 'CAg6RgocCgF4EgF5GgpJZGVudGl0eV8wIghJZGVudGl0eRIEbWFpbloPCgF4EgoKCAgBEgQKAggBYg8KAXkSCgoICAESBAoCCAFCBAoAEBE=';

const heaps = new WeakMap<typeof Ort, Promise<Heap | null>>();

/**
 * Starts onnxruntime-web's wasm (a session of a tiny model, created and released) and catches its module; null when
 * the module was not caught or lacks what is needed. Must come before any other session of `lib` in this context.
 */
export function startOrt(lib: typeof Ort): Promise<Heap | null> {
  let heap = heaps.get(lib);
  if (!heap) {
    heap = (async () => {
      let caught: OrtModule | undefined;
      Object.defineProperty(Object.prototype, 'instantiateWasm', {
        configurable: true,
        get(this: object) {
          // The module is the config object onnxruntime-web hands the factory: { numThreads, wasmBinary, locateFile }.
          if (!caught && Object.prototype.hasOwnProperty.call(this, 'numThreads')) caught = this as OrtModule;
          return undefined;
        },
        set(this: object, value: unknown) {
          Object.defineProperty(this, 'instantiateWasm', { value, writable: true, configurable: true, enumerable: true });
        },
      });
      try {
        const model = Uint8Array.from(atob(IDENTITY_ONNX), (c) => c.charCodeAt(0));
        await lib.InferenceSession.create(model, { executionProviders: ['wasm'] }).then((s) => s.release(), () => {});
      } finally {
        delete (Object.prototype as { instantiateWasm?: unknown }).instantiateWasm;
      }
      const module = caught;
      if (!module || typeof module._malloc !== 'function' || typeof module._free !== 'function' || !(module.HEAPU8 instanceof Uint8Array)) return null;
      const held = new Set<number>();
      const free = module._free.bind(module);
      module._free = (ptr) => {
        if (!held.has(ptr)) free(ptr);
      };
      return { module, held, free };
    })();
    heaps.set(lib, heap);
  }
  return heap;
}

export interface HeapFile {
  /** The file's bytes on the heap; valid until `release`. */
  bytes: Uint8Array;
  release(): void;
}

/**
 * An OPFS file read into `lib`'s heap; null when there is no heap to read into or the file cannot be read that way
 * (no sync access handle, or one that refuses a view of shared memory): the caller reads it into a buffer then.
 */
export async function readIntoHeap(lib: typeof Ort, opfs: string): Promise<HeapFile | null> {
  const heap = await startOrt(lib);
  if (!heap) return null;
  const { module, held } = heap;
  let ptr = 0;
  let done = false;
  const release = () => {
    if (done || !ptr) return;
    done = true;
    held.delete(ptr);
    heap.free(ptr);
  };
  const placed = await readOpfsInto(opfs, (size) => {
    ptr = module._malloc(Math.max(1, size));
    if (!ptr) return null;
    held.add(ptr);
    // Read after the malloc: a heap that grew has a new buffer.
    return module.HEAPU8.subarray(ptr, ptr + size);
  }).catch(() => null);
  if (!placed) {
    release();
    return null;
  }
  return { bytes: placed, release };
}
