import type { Digest } from '../../shared/digest.js';
import { sha256Digest } from '../../shared/digest.js';
import { recordProjectBlob } from '../blobs/access.js';
import type { BlobStore } from '../blobs/store.js';
import { systemScope, type Scope } from '../core/scope.js';
import type { Db } from '../db/client.js';
import { moveAlias } from '../registry/aliases.js';
import { createModel } from '../registry/models.js';
import { linearModelOnnx } from '../registry/onnx/write.js';
import { createVersion } from '../registry/versions.js';
import { createExperiment } from '../tracking/experiments.js';
import { appendToRun } from '../tracking/log.js';
import { createRun, updateRun } from '../tracking/runs.js';
import { seedDemoDatasets } from './datasets.js';
import { DEMO_FEATURE_SERVICE, seedDemoFeatures } from './features.js';
import { seedDemoTelemetry } from './telemetry.js';
import { tfjsModelFiles } from './tfjs-model.js';

const ACTOR = 'demo';

/** A deterministic PRNG, so every demo looks the same. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
}

async function storeFiles(scope: Scope, files: Record<string, Uint8Array>) {
  const entries = [];
  for (const [path, bytes] of Object.entries(files)) {
    const digest = (await sha256Digest(bytes as Uint8Array<ArrayBuffer>)) as Digest;
    const { size } = await scope.blobs.write(digest, new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(), { maxBytes: Infinity, declaredSize: bytes.byteLength });
    await recordProjectBlob(scope, digest, size);
    entries.push({ path, digest, size });
  }
  return entries;
}

/** Training runs with believable curves: loss falls, accuracy rises, each run a little differently. */
async function seedRuns(scope: Scope) {
  const experiment = await createExperiment(scope, { name: 'digits-training', tags: { team: 'vision' } });
  const rand = prng(7);
  const runIds: string[] = [];
  const grid = [
    ['0.1', 'sgd', '32'],
    ['0.01', 'sgd', '32'],
    ['0.01', 'adam', '64'],
    ['0.001', 'adam', '64'],
    ['0.003', 'adam', '128'],
    ['0.03', 'rmsprop', '32'],
  ];
  const start = Date.now() - 6 * 3600_000;
  for (const [i, [lr, optimizer, batch]] of grid.entries()) {
    const { row: run } = await createRun(scope, {
      experimentId: experiment.id,
      name: `${optimizer}-lr${lr}`,
      source: 'cli',
      startTime: start + i * 1800_000,
      params: { lr: lr!, optimizer: optimizer!, batch_size: batch!, epochs: '200' },
      tags: { team: 'vision', dataset: 'digits-v1' },
    });
    const quality = 0.55 + rand() * 0.4;
    const steps = Array.from({ length: 200 }, (_, s) => s);
    const timestamps = steps.map((s) => start + i * 1800_000 + s * 6_000);
    const loss = steps.map((s) => 2.3 * Math.exp(-s * quality * 0.03) + 0.05 + rand() * 0.04);
    const acc = steps.map((s) => Math.min(0.995, 0.1 + quality * (1 - Math.exp(-s * 0.04)) + rand() * 0.01));
    await appendToRun(scope, run, { metrics: [{ key: 'loss', steps, values: loss, timestamps }, { key: 'accuracy', steps, values: acc, timestamps }] });
    await updateRun(scope, run, { status: i === 5 ? 'FAILED' : 'FINISHED', endTime: timestamps[timestamps.length - 1] });
    runIds.push(run.id);
  }
  return runIds;
}

/**
 * The demo project content on an empty database (OUTPOST_DEMO=1): training runs with real curves, a small
 * ONNX model with two versions and aliases, a small tfjs model, both exposed to devices, and a day of made-up
 * device telemetry for them (demo data, see ./telemetry.ts), a small versioned dataset the model's runs read
 * (./datasets.ts), and a feature view of made-up writers' stats with the
 * service the production model was trained on (./features.ts).
 */
export async function seedDemo(db: Db, blobs: BlobStore, projectId: string): Promise<void> {
  const scope = systemScope(db, blobs, projectId);
  const runIds = await seedRuns(scope);
  await seedDemoFeatures(scope, prng(5));
  // The runs that make the digits model's versions below (2 + i) read the demo dataset.
  await seedDemoDatasets(scope, (files) => storeFiles(scope, files), prng(13), [runIds[2]!, runIds[3]!]);
  const digits = await createModel(scope, ACTOR, { name: 'digits', description: 'Linear classifier of 8×8 digit images (demo)', devices: true });
  for (const [i, seed] of [1, 2].entries()) {
    const files = await storeFiles(scope, { 'model.onnx': linearModelOnnx({ inputSize: 64, outputSize: 10, seed }) });
    const featureService = i === 1 ? DEMO_FEATURE_SERVICE : undefined;
    await createVersion(scope, digits, ACTOR, { format: 'onnx', files, runId: runIds[2 + i], metrics: { accuracy: 0.91 + i * 0.03 }, featureService });
  }
  await moveAlias(scope, digits, 'staging', 1, ACTOR, 'demo: first candidate');
  await moveAlias(scope, digits, 'production', 2, ACTOR, 'demo: best accuracy');
  const digitsTfjs = await createModel(scope, ACTOR, { name: 'digits-tfjs', description: 'Small dense classifier in tfjs-layers format (demo)', devices: true });
  await createVersion(scope, digitsTfjs, ACTOR, { format: 'tfjs-layers', files: await storeFiles(scope, tfjsModelFiles(3)) });
  await moveAlias(scope, digitsTfjs, 'production', 1, ACTOR, 'demo');
  await seedDemoTelemetry(scope, prng(11));
}
