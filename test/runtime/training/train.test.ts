import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTfjsSignature } from '../../../hub/registry/tfjs.js';
import { layersArtifacts } from '../../../runtime/inference/engines/tfjs.js';
import type { TrainOptions, TrainRequest } from '../../../runtime/training/protocol.js';
import { serializeLayersModel } from '../../../runtime/training/serialize.js';
import { fineTuneLayersModel } from '../../../runtime/training/train.js';
import { accuracy, CLASSES, finetuneBaseModelFiles, finetuneDataset } from '../../fixtures/finetune.js';

const asBuffers = (files: Record<string, Uint8Array>) => Object.fromEntries(Object.entries(files).map(([p, b]) => [p, b.slice().buffer as ArrayBuffer]));
const loadFiles = (files: Record<string, ArrayBuffer>) => tf.loadLayersModel(tf.io.fromMemory(layersArtifacts(files)));

async function predict(files: Record<string, ArrayBuffer>, x: { data: Float32Array; dims: number[] }): Promise<Float32Array> {
  const model = await loadFiles(files);
  const input = tf.tensor(x.data, x.dims);
  const out = model.predict(input) as tf.Tensor;
  const data = (await out.data()) as Float32Array;
  tf.dispose([input, out]);
  model.dispose();
  return data;
}

async function weightsOf(files: Record<string, ArrayBuffer>): Promise<Record<string, Float32Array>> {
  const model = await loadFiles(files);
  const out = Object.fromEntries(model.weights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]));
  model.dispose();
  return out;
}

const base = asBuffers(finetuneBaseModelFiles());
const train = finetuneDataset(320, { seed: 1, shifted: true });
const heldOut = finetuneDataset(400, { seed: 2, shifted: true });
const options: TrainOptions = { epochs: 8, batchSize: 16, learningRate: 0.05, optimizer: 'adam', validationSplit: 0.2, trainable: 'head' };
const request = (overrides: Partial<TrainOptions> = {}, y: TrainRequest['y'] = train.y): TrainRequest => ({ files: { ...base }, x: train.x, y, options: { ...options, ...overrides } });

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('the fine-tuning fixture', () => {
  it('has a base model that is right on the original labels and wrong on the shifted ones', async () => {
    const original = finetuneDataset(400, { seed: 2, shifted: false });
    expect(accuracy(await predict(base, original.x), original.labels)).toBeGreaterThan(0.95);
    expect(accuracy(await predict(base, heldOut.x), heldOut.labels)).toBeLessThan(0.05);
  });
});

describe('fineTuneLayersModel', () => {
  it('fine-tunes the head: loss falls, held-out accuracy rises by at least 0.8, and only the head changes', async () => {
    const batches: Array<[number, number, Record<string, number>]> = [];
    const epochs: Array<[number, Record<string, number>]> = [];
    const result = await fineTuneLayersModel(tf, request(), { onBatch: (e, b, logs) => batches.push([e, b, logs]), onEpoch: (e, logs) => void epochs.push([e, logs]) });
    expect(result).toMatchObject({ backend: 'cpu', loss: 'categoricalCrossentropy', metrics: ['accuracy'], trainableLayers: ['head'], frozenLayers: ['features'], samples: { train: 256, validation: 64 }, epochs: 8 });
    // Per batch: 256 / 16 = 16 batches an epoch, each with loss and acc; per epoch also val_loss and val_acc.
    expect(batches).toHaveLength(8 * 16);
    expect(batches[17]).toEqual([1, 1, { loss: expect.any(Number), acc: expect.any(Number) }]);
    expect(epochs.map(([e]) => e)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Object.keys(result.history).sort()).toEqual(['acc', 'loss', 'val_acc', 'val_loss']);
    expect(result.history.loss).toEqual(epochs.map(([, logs]) => logs.loss));
    const loss = result.history.loss!;
    expect(loss[7]!).toBeLessThan(loss[0]! / 4);
    expect(result.history.val_loss![7]!).toBeLessThan(result.history.val_loss![0]!);

    const before = accuracy(await predict(base, heldOut.x), heldOut.labels);
    const after = accuracy(await predict(result.files, heldOut.x), heldOut.labels);
    expect(after - before).toBeGreaterThanOrEqual(0.8);
    expect(after).toBeGreaterThan(0.9);

    const [w0, w1] = [await weightsOf(base), await weightsOf(result.files)];
    expect(w1['features/kernel']).toEqual(w0['features/kernel']);
    expect(w1['features/bias']).toEqual(w0['features/bias']);
    expect(w1['head/kernel']).not.toEqual(w0['head/kernel']);
  });

  it('returns files that reload with the weights training ended with, in the format the hub reads', async () => {
    const result = await fineTuneLayersModel(tf, request({ epochs: 3, shuffle: false }));
    // The last 20% of the samples were the validation split: the reloaded model scores them as training did.
    const n = train.labels.length;
    const from = n - 64;
    const valX = { data: train.x.data.slice(from * 8), dims: [64, 8] };
    const outputs = await predict(result.files, valX);
    expect(accuracy(outputs, train.labels.slice(from))).toBeCloseTo(result.history.val_acc![2]!, 6);
    let ce = 0;
    for (let s = 0; s < 64; s++) ce -= Math.log(outputs[s * CLASSES + train.labels[from + s]!]!);
    expect(ce / 64).toBeCloseTo(result.history.val_loss![2]!, 4);
    // Reloading twice gives the same predictions bit for bit.
    expect(await predict(result.files, heldOut.x)).toEqual(await predict(result.files, heldOut.x));
    const modelJson = JSON.parse(new TextDecoder().decode(result.files['model.json']));
    expect(modelJson.weightsManifest).toEqual([{ paths: ['weights.bin'], weights: expect.any(Array) }]);
    expect(result.files['weights.bin'].byteLength).toBe((8 * 8 + 8 + 8 * 4 + 4) * 4);
    const baseJson = JSON.parse(new TextDecoder().decode(base['model.json']));
    expect(readTfjsSignature(modelJson)).toEqual(readTfjsSignature(baseJson));
  });

  it('trains exactly the layers named, a number of last layers, or all of them', async () => {
    const w0 = await weightsOf(base);
    const changed = async (trainable: TrainOptions['trainable']) => {
      const result = await fineTuneLayersModel(tf, request({ trainable, epochs: 1 }));
      const w = await weightsOf(result.files);
      return { layers: result.trainableLayers, changed: Object.keys(w0).filter((k) => !w[k]!.every((v, i) => v === w0[k]![i])).sort() };
    };
    expect(await changed(['features'])).toEqual({ layers: ['features'], changed: ['features/bias', 'features/kernel'] });
    expect(await changed(1)).toEqual({ layers: ['head'], changed: ['head/bias', 'head/kernel'] });
    expect(await changed('all')).toEqual({ layers: ['features', 'head'], changed: ['features/bias', 'features/kernel', 'head/bias', 'head/kernel'] });
  });

  it('says which layers there are when trainable names one the model lacks', async () => {
    await expect(fineTuneLayersModel(tf, request({ trainable: ['dense_9'] }))).rejects.toThrow('trainable names layers the model does not have or that have no weights: dense_9 (layers with weights: features, head)');
    await expect(fineTuneLayersModel(tf, request({ trainable: 3 }))).rejects.toThrow('from 1 to 2');
  });

  it('takes integer labels with the sparse loss', async () => {
    const result = await fineTuneLayersModel(tf, request({ epochs: 4 }, { data: train.labels, dims: [train.labels.length] }));
    expect(result.loss).toBe('sparseCategoricalCrossentropy');
    expect(result.history.acc!.at(-1)!).toBeGreaterThan(0.9);
    expect(accuracy(await predict(result.files, heldOut.x), heldOut.labels)).toBeGreaterThan(0.9);
  });

  it('uses mean squared error for a model without a softmax output', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'zeros', name: 'linear' })] });
    const files = await serializeLayersModel(model, tf);
    model.dispose();
    const xs = Float32Array.from({ length: 200 }, (_, i) => ((i * 37) % 100) / 50 - 1);
    const ys = Float32Array.from({ length: 100 }, (_, i) => 3 * xs[2 * i]! - 2 * xs[2 * i + 1]! + 0.5);
    const result = await fineTuneLayersModel(tf, { files: { ...files }, x: { data: xs, dims: [100, 2] }, y: { data: ys, dims: [100, 1] }, options: { ...options, validationSplit: 0, epochs: 30, batchSize: 10, learningRate: 0.1 } });
    expect(result).toMatchObject({ loss: 'meanSquaredError', metrics: ['mae'] });
    expect(result.history.loss!.at(-1)!).toBeLessThan(result.history.loss![0]! / 10);
    expect(Object.keys(result.history).sort()).toEqual(['loss', 'mae']);
  });

  it('stops between batches when cancelled, reports no cut-short epoch, and returns no model', async () => {
    const controller = new AbortController();
    const batches: Array<[number, number]> = [];
    const epochs: number[] = [];
    const run = fineTuneLayersModel(
      tf,
      request(),
      {
        onBatch: (e, b) => {
          batches.push([e, b]);
          if (e === 1 && b === 2) controller.abort();
        },
        onEpoch: (e) => void epochs.push(e),
      },
      controller.signal,
    );
    await expect(run).rejects.toMatchObject({ name: 'OutpostRuntimeError', code: 'aborted', message: 'fine-tuning was aborted' });
    expect(batches.at(-1)).toEqual([1, 2]);
    expect(batches).toHaveLength(16 + 3);
    expect(epochs).toEqual([0]);
  });

  it('refuses data whose dims do not match, and y that does not fit a softmax output', async () => {
    await expect(fineTuneLayersModel(tf, { ...request(), x: { data: new Float32Array(10), dims: [2, 8] } })).rejects.toThrow('x has 10 values but dims [2, 8] make 16');
    await expect(fineTuneLayersModel(tf, request({}, { data: new Float32Array(320 * 3), dims: [320, 3] }))).rejects.toThrow('y does not fit a softmax output of 4 classes');
    await expect(fineTuneLayersModel(tf, request({ optimizer: 'lbfgs' as never }))).rejects.toThrow("optimizer must be 'adam', 'sgd' or 'rmsprop'");
  });

  it('frees every tensor it made', async () => {
    await fineTuneLayersModel(tf, request({ epochs: 1 }));
    const before = tf.memory().numTensors;
    await fineTuneLayersModel(tf, request({ epochs: 2, optimizer: 'rmsprop' }));
    await fineTuneLayersModel(tf, request({ epochs: 2, optimizer: 'sgd' }));
    expect(tf.memory().numTensors).toBe(before);
  });
});
