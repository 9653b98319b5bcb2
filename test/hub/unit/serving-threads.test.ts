import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { linearModelOnnx } from '../../../hub/registry/onnx/write.js';
import { readServingConfig } from '../../../hub/serving/config.js';
import { onnxEngine } from '../../../hub/serving/engines/onnx.js';

/** Threads of this process now (Linux). */
const threadCount = () => Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);

const SIGNATURE = { inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 4] }], outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 3] }] };

describe('OUTPOST_SERVE_THREADS', () => {
  it('is read as a whole number of at least 1, unset meaning onnxruntime\'s default, and refused otherwise by name', () => {
    expect(readServingConfig({}).threads).toBeNull();
    expect(readServingConfig({ OUTPOST_SERVE_THREADS: '' }).threads).toBeNull();
    expect(readServingConfig({ OUTPOST_SERVE_THREADS: '3' }).threads).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'two']) {
      expect(() => readServingConfig({ OUTPOST_SERVE_THREADS: bad })).toThrow(`OUTPOST_SERVE_THREADS must be a whole number of at least 1 (got "${bad}")`);
    }
  });

  it('gives each ONNX session that many intra-op threads, the calling thread being one of them', async () => {
    const files = { 'model.onnx': linearModelOnnx({ inputSize: 4, outputSize: 3 }) };
    const grown = async (threads: number) => {
      const before = threadCount();
      const model = await onnxEngine(threads).load(files, SIGNATURE as never, 'test model');
      const added = threadCount() - before;
      const out = await model.run({ x: { dtype: 'float32', dims: [1, 4], data: new Float32Array([1, 2, 3, 4]) } }, ['y']);
      await model.dispose();
      return { added, out };
    };
    await grown(1); // onnxruntime's own environment starts with the first session
    const one = await grown(1);
    const three = await grown(3);
    expect(one.added).toBe(0);
    expect(three.added).toBe(2);
    expect(three.out).toEqual(one.out);
  });
});
