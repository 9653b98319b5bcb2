import { describe, expect, it } from 'vitest';
import { batchable, DynamicBatcher } from '../../../hub/serving/batcher.js';
import type { HostTensors, LoadedModel } from '../../../hub/serving/engine.js';

/** y = 2x, row by row; records the batch size of every run, and refuses any run holding a negative value. */
function doubler() {
  const runs: number[] = [];
  const model: LoadedModel = {
    async run(feeds) {
      const x = feeds.x!;
      runs.push(x.dims[0]!);
      if ([...(x.data as Float32Array)].some((v) => v < 0)) throw new Error('negative input');
      return { y: { dtype: 'float32', dims: [...x.dims], data: (x.data as Float32Array).map((v) => v * 2) } };
    },
    dispose: async () => {},
  };
  return { model, runs };
}

const rowsOf = (values: number[][]): HostTensors => ({ x: { dtype: 'float32', dims: [values.length, 2], data: Float32Array.from(values.flat()) } });

describe('dynamic batching', () => {
  it('runs requests that arrive together as one batch and hands each caller its own rows', async () => {
    const { model, runs } = doubler();
    const batcher = new DynamicBatcher(model, ['y'], { maxBatchSize: 64, maxDelayMs: 50 });
    const requests = [[[1, 2]], [[3, 4], [5, 6]], [[7, 8]]];
    const outs = await Promise.all(requests.map((r) => batcher.run(rowsOf(r), r.length)));
    expect(runs).toEqual([4]);
    expect(outs.map((o) => ({ dims: o.y!.dims, data: [...o.y!.data] }))).toEqual([
      { dims: [1, 2], data: [2, 4] },
      { dims: [2, 2], data: [6, 8, 10, 12] },
      { dims: [1, 2], data: [14, 16] },
    ]);
  });

  it('with no delay, runs a lone request at once and gathers those that arrive while the model is busy', async () => {
    const { model, runs } = doubler();
    const batcher = new DynamicBatcher(model, ['y'], { maxBatchSize: 64, maxDelayMs: 0 });
    const lone = batcher.run(rowsOf([[1, 1]]), 1);
    // Requests arriving while that one runs (the model's run is under way once the event loop's turn ends).
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toEqual([1]);
    const outs = await Promise.all([lone, ...[2, 3, 4].map((v) => batcher.run(rowsOf([[v, v]]), 1))]);
    expect(runs).toEqual([1, 3]);
    expect(outs.map((o) => o.y!.data[0])).toEqual([2, 4, 6, 8]);
  });

  it('with no delay, runs requests that arrive in the same turn of the event loop as one batch', async () => {
    const { model, runs } = doubler();
    const batcher = new DynamicBatcher(model, ['y'], { maxBatchSize: 64, maxDelayMs: 0 });
    const outs = await Promise.all([1, 2, 3, 4].map((v) => batcher.run(rowsOf([[v, v]]), 1)));
    expect(runs).toEqual([4]);
    expect(outs.map((o) => o.y!.data[0])).toEqual([2, 4, 6, 8]);
  });

  it('runs a batch as soon as it holds maxBatchSize rows, without waiting out the delay', async () => {
    const { model, runs } = doubler();
    const batcher = new DynamicBatcher(model, ['y'], { maxBatchSize: 4, maxDelayMs: 60_000 });
    const outs = await Promise.all(Array.from({ length: 8 }, (_, i) => batcher.run(rowsOf([[i, i]]), 1)));
    expect(runs).toEqual([4, 4]);
    expect(outs.map((o) => o.y!.data[0])).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
  });

  it('reruns a failed batch request by request, so only the request the model refuses fails', async () => {
    const { model, runs } = doubler();
    const batcher = new DynamicBatcher(model, ['y'], { maxBatchSize: 64, maxDelayMs: 20 });
    const results = await Promise.allSettled([[[1, 1]], [[-1, 1]], [[2, 2]]].map((r) => batcher.run(rowsOf(r), 1)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('negative input');
    expect(runs).toEqual([3, 1, 1, 1]);
  });

  it('keeps requests with different inner shapes in separate batches', async () => {
    const { model, runs } = doubler();
    const batcher = new DynamicBatcher(model, ['y'], { maxBatchSize: 64, maxDelayMs: 20 });
    const wide: HostTensors = { x: { dtype: 'float32', dims: [1, 3], data: Float32Array.from([1, 2, 3]) } };
    const [a, b, c] = await Promise.all([batcher.run(rowsOf([[1, 2]]), 1), batcher.run(wide, 1), batcher.run(rowsOf([[3, 4]]), 1)]);
    expect(runs.sort()).toEqual([1, 2]);
    expect([...a.y!.data, ...b.y!.data, ...c.y!.data]).toEqual([2, 4, 2, 4, 6, 6, 8]);
  });

  it('batches only models whose inputs and outputs all lead with a dynamic batch dimension', () => {
    expect(batchable({ inputs: [{ shape: ['batch', 4] }], outputs: [{ shape: [-1, 3] }] })).toBe(true);
    expect(batchable({ inputs: [{ shape: [1, 4] }], outputs: [{ shape: [1, 4] }] })).toBe(false);
    expect(batchable({ inputs: [{ shape: ['batch', 4] }, { shape: [2] }], outputs: [{ shape: ['batch', 2] }] })).toBe(false);
    expect(batchable({ inputs: [{ shape: ['batch', 4] }], outputs: [{ shape: [1, 1] }] })).toBe(false);
  });
});
