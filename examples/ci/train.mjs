#!/usr/bin/env node
// A stand-in for a real training job: fits y = 3x + 1 by gradient descent for EPOCHS epochs, logs loss and accuracy
// per epoch to the hub's native API (a run in experiment "ci"), writes the model as tfjs-layers files into the folder
// given as the first argument, and prints the run id as its last line. Needs Node 18+ and OUTPOST_HUB, OUTPOST_KEY.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [out] = process.argv.slice(2);
if (!out) {
  console.error('usage: train.mjs OUT_DIR');
  process.exit(2);
}
const hub = (process.env.OUTPOST_HUB ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
const epochs = Number(process.env.EPOCHS ?? 100);
const api = async (method, path, body) => {
  const res = await fetch(hub + path, { method, headers: { authorization: `Bearer ${process.env.OUTPOST_KEY}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
};

// Train.
const xs = Array.from({ length: 20 }, (_, i) => i / 19);
const ys = xs.map((x) => 3 * x + 1);
let w = 0;
let b = 0;
const steps = [];
const loss = [];
const accuracy = [];
for (let epoch = 1; epoch <= epochs; epoch++) {
  let gw = 0;
  let gb = 0;
  for (let i = 0; i < xs.length; i++) {
    const err = w * xs[i] + b - ys[i];
    gw += (2 * err * xs[i]) / xs.length;
    gb += (2 * err) / xs.length;
  }
  w -= 0.5 * gw;
  b -= 0.5 * gb;
  const errors = xs.map((x, i) => Math.abs(w * x + b - ys[i]));
  steps.push(epoch);
  loss.push(errors.reduce((s, e) => s + e * e, 0) / xs.length);
  accuracy.push(errors.filter((e) => e < 0.1).length / xs.length);
}

// Log.
const { experiments } = await api('GET', '/v1/experiments');
const experiment = experiments.find((e) => e.name === 'ci') ?? (await api('POST', '/v1/experiments', { name: 'ci' })).experiment;
const { run } = await api('POST', '/v1/runs', { experimentId: experiment.id, params: { epochs: String(epochs), lr: '0.5' } });
await api('POST', `/v1/runs/${run.id}/log`, { metrics: [{ key: 'loss', steps, values: loss }, { key: 'accuracy', steps, values: accuracy }] });
await api('PATCH', `/v1/runs/${run.id}`, { status: 'FINISHED' });

// Save: a one-unit Dense layer in tfjs-layers form (model.json + weights).
mkdirSync(out, { recursive: true });
const modelJson = {
  format: 'layers-model',
  generatedBy: 'examples/ci/train.mjs',
  modelTopology: { class_name: 'Sequential', config: { name: 'line', layers: [{ class_name: 'Dense', config: { name: 'dense', units: 1, batch_input_shape: [null, 1], dtype: 'float32', use_bias: true } }] } },
  weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'dense/kernel', shape: [1, 1], dtype: 'float32' }, { name: 'dense/bias', shape: [1], dtype: 'float32' }] }],
};
writeFileSync(join(out, 'model.json'), JSON.stringify(modelJson));
writeFileSync(join(out, 'weights.bin'), new Uint8Array(new Float32Array([w, b]).buffer));
console.error(`trained ${epochs} epochs: loss ${loss.at(-1).toFixed(4)}, accuracy ${accuracy.at(-1)}`);
console.log(run.id);
