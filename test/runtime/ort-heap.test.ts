import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type * as Ort from 'onnxruntime-web';
import { describe, expect, it, vi } from 'vitest';
import { linearModelOnnx, linearModelWeights } from '../../hub/registry/onnx/write.js';
import { ORT_FILES, type OrtBuild } from '../../runtime/inference/engines/onnx.js';
import { readIntoHeap, startOrt } from '../../runtime/inference/engines/ort-heap.js';

// Node has no OPFS: a stored file here is bytes in a map, read into the view the heap gives, as a sync access handle does.
const files = new Map<string, Uint8Array>();
vi.mock('../../runtime/cache/opfs.js', () => ({
  readOpfsInto: async (name: string, into: (size: number) => Uint8Array | null) => {
    const bytes = files.get(name);
    if (!bytes) throw new Error(`${name} is not stored`);
    const view = into(bytes.byteLength);
    view?.set(bytes);
    return view;
  },
  readOpfsBytes: async () => null,
}));

/** An onnxruntime-web build as the runtime ships it (build/runtime.ts copies these files from node_modules/onnxruntime-web/dist). */
async function shippedOrt(build: OrtBuild): Promise<typeof Ort> {
  const dist = new URL('../../node_modules/onnxruntime-web/dist/', import.meta.url);
  const lib = (await import(new URL(basename(ORT_FILES[build].module), dist).href)) as typeof Ort;
  const wasm = readFileSync(new URL(basename(ORT_FILES[build].wasm), dist));
  lib.env.wasm.wasmBinary = wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength);
  lib.env.wasm.numThreads = 1;
  lib.env.wasm.proxy = false;
  return lib;
}

/** A stand-in for onnxruntime-web: its create reads `instantiateWasm` off the config it hands its wasm factory, or not. */
function fakeOrt(readsInstantiateWasm: boolean, module: object) {
  const create = async () => {
    const config = Object.assign(module, { numThreads: 1, wasmBinary: new ArrayBuffer(0) });
    if (readsInstantiateWasm) void (config as { instantiateWasm?: unknown }).instantiateWasm;
    return { release: async () => {} };
  };
  return { InferenceSession: { create } } as unknown as typeof Ort;
}

/** Byte equality (a deep equal of 300 KB takes seconds). */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

const heapModule = () => ({ _malloc: () => 8, _free: () => {}, HEAPU8: new Uint8Array(64) });

describe('onnxruntime-web heap (runtime/inference/engines/ort-heap.ts)', () => {
  for (const build of Object.keys(ORT_FILES) as OrtBuild[]) {
    it(`catches the shipped ${build} build's wasm module as it starts, and builds a session from a model read into its heap without a copy of its own`, async () => {
      const lib = await shippedOrt(build);
      const heap = await startOrt(lib);
      expect(heap, 'the wasm factory no longer reads Module.instantiateWasm off its config, or the module lacks _malloc/_free/HEAPU8: warm loads will read into buffers').not.toBeNull();
      expect('instantiateWasm' in Object.prototype).toBe(false);

      const model = linearModelOnnx({ inputSize: 256, outputSize: 300, seed: 5 });
      const name = `${build}-model`;
      files.set(name, model);
      const placed = (await readIntoHeap(lib, name))!;
      expect(placed.bytes.buffer).toBe(heap!.module.HEAPU8.buffer);
      expect(same(placed.bytes, model)).toBe(true);
      const ptr = placed.bytes.byteOffset;

      const malloc = vi.spyOn(heap!.module, '_malloc');
      const free = vi.spyOn(heap!.module, '_free');
      const session = await lib.InferenceSession.create(placed.bytes, { executionProviders: ['wasm'] });
      // onnxruntime built it where it lay (no region the model's size of its own) and freed that region, held back here.
      expect(malloc.mock.calls.filter(([size]) => size >= model.byteLength)).toEqual([]);
      expect(free.mock.calls.map(([p]) => p)).toContain(ptr);
      expect(heap!.held.has(ptr)).toBe(true);
      expect(same(heap!.module.HEAPU8.subarray(ptr, ptr + model.byteLength), model)).toBe(true);
      malloc.mockRestore();
      free.mockRestore();

      const x = new Float32Array(256).fill(1);
      const y = (await session.run({ x: new lib.Tensor('float32', x, [1, 256]) })).y!.data as Float32Array;
      const { weight, bias } = linearModelWeights({ inputSize: 256, outputSize: 300, seed: 5 });
      // x = 1…1: y_j = b_j + Σ_i W[i][j]
      const expected = Array.from(bias);
      weight.forEach((w, i) => (expected[i % 300]! += w));
      expect(Array.from(y)).toEqual(expected.map((v) => expect.closeTo(v, 3)));
      placed.release();
      expect(heap!.held.has(ptr)).toBe(false);
      await session.release();
    }, 30_000);
  }

  it('has no heap when the wasm start never reads instantiateWasm: files are then read into buffers', async () => {
    const lib = fakeOrt(false, heapModule());
    expect(await startOrt(lib)).toBeNull();
    files.set('missed', new Uint8Array([1, 2, 3]));
    expect(await readIntoHeap(lib, 'missed')).toBeNull();
    expect('instantiateWasm' in Object.prototype).toBe(false);
  });

  it('has no heap when the module caught lacks malloc, free or its heap view', async () => {
    expect(await startOrt(fakeOrt(true, { _free: () => {}, HEAPU8: new Uint8Array(8) }))).toBeNull();
    expect(await startOrt(fakeOrt(true, { _malloc: () => 8, _free: () => {} }))).toBeNull();
    expect(await startOrt(fakeOrt(true, heapModule()))).not.toBeNull();
  });
});
