// The demo's continuous-training pipeline (docs/pipelines.md, "The demo pipeline"): every new version of the dataset
// `digits-samples` → prepare → train a small tfjs model in Node → evaluate on the held-out images → register a
// version of the model `digits-ct` with the dataset version and the training run as its lineage → promote it to
// `staging` when the CI/CD gate passes. `npm start` registers it in the demo project; one `outpost runner` runs it.
// Register it elsewhere with: outpost pipeline register examples/pipelines/continuous-training.ts
import type * as TF from '@tensorflow/tfjs';
import { definePipeline, type StepContext } from 'outpost/pipeline';
import { getBlob, putBlob } from '../../shared/client/blobs.js';
import { runGate } from '../../shared/client/cicd.js';
import { datasetFiles, getDatasetVersion, logRunDatasets } from '../../shared/client/datasets.js';
import type { HubClient } from '../../shared/client/hub-client.js';
import { getPipelineRun } from '../../shared/client/pipelines.js';
import { createModel, createVersion, moveAlias } from '../../shared/client/registry.js';

export const DATASET = 'digits-samples';
export const MODEL = 'digits-ct';
const PIXELS = 64;
const CLASSES = 10;

type Params = { dataset: string; epochs: number; hidden: number; lr: number; minAccuracy: number };
type Ctx = StepContext<Params>;
type Examples = { x: number[][]; y: number[]; paths: string[] };
type Prepared = { source: string; train: Examples; test: Examples };

/**
 * tfjs is imported when a step needs it, not when the bundle loads: registering the pipeline (which imports the
 * bundle to read its DAG) then does not load 4 MB of tfjs, and steps that do not train stay light.
 */
async function tfjs(): Promise<typeof TF> {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  return tf;
}

const bytesOf = (text: string) => new TextEncoder().encode(text);

async function digestOf(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return `sha256:${Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Stores bytes as a project blob and returns what a model manifest lists for them. */
async function store(hub: HubClient, path: string, bytes: Uint8Array) {
  const digest = await digestOf(bytes);
  await putBlob(hub, digest, bytes as Uint8Array<ArrayBuffer>);
  return { path, digest, size: bytes.byteLength };
}

const read = async (hub: HubClient, digest: string) => new Uint8Array(await (await getBlob(hub, digest)).arrayBuffer());
const readJson = async <T>(hub: HubClient, digest: string) => JSON.parse(new TextDecoder().decode(await read(hub, digest))) as T;

/** An 8×8 plain-text PGM (`P2`) as 64 values in [0, 1]; anything else is null. */
function parsePgm(text: string): number[] | null {
  const tokens = text.replace(/#[^\n]*/g, ' ').trim().split(/\s+/);
  const [magic, w, h, max] = [tokens[0], Number(tokens[1]), Number(tokens[2]), Number(tokens[3])];
  if (magic !== 'P2' || w * h !== PIXELS || !(max > 0) || tokens.length < 4 + PIXELS) return null;
  return tokens.slice(4, 4 + PIXELS).map((t) => Math.min(1, Math.max(0, Number(t) / max)));
}

/**
 * The dataset version this run is for: the one whose event started it (the run's trigger names it), else the
 * `dataset` param (`digits-samples@current` by default) resolved to its number, so lineage names a fixed version.
 */
async function datasetRef(ctx: Ctx): Promise<string> {
  const run = await getPipelineRun(ctx.hub, ctx.pipeline.runId);
  const trigger = run.trigger as { type?: string; eventType?: string; ref?: string };
  if (trigger.type === 'event' && trigger.eventType === 'dataset.version' && trigger.ref) return trigger.ref;
  const m = /^([^@/]+)(?:[@/](.+))?$/.exec(ctx.params.dataset);
  if (!m) throw new Error(`param "dataset" must be name, name/N or name@alias, got "${ctx.params.dataset}"`);
  const version = await getDatasetVersion(ctx.hub, m[1]!, m[2] ?? 'latest');
  return `${m[1]}/${version.version}`;
}

/**
 * The indices 0…n-1 in a seeded order (Fisher–Yates on a fixed PRNG). The files come sorted by path, so by digit:
 * fitted in that order each batch would hold one digit only. Seeded, the same data still trains the same weights.
 */
function seededOrder(n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let s = 1;
  const random = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Layers of the model, seeded so one dataset version and params train the same weights on every runner. */
function makeModel(tf: typeof TF, hidden: number, lr: number) {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [PIXELS], units: hidden, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tf.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  model.compile({ optimizer: tf.train.adam(lr), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

export default definePipeline({
  name: 'digits-continuous-training',
  params: { dataset: `${DATASET}@current`, epochs: 30, hidden: 16, lr: 0.05, minAccuracy: 0.7 },
  on: [{ dataset: DATASET }],
  steps: {
    /**
     * Reads every `images/<split>/<digit>/*.pgm` of the dataset version (the folder is the label, as Keras'
     * image_dataset_from_directory reads it) and stores train and test examples as one JSON blob. Not cached:
     * which version a run reads comes from its trigger, which the step cache does not see.
     */
    prepare: {
      cache: false,
      retries: 2,
      outputs: { data: 'file', dataset: 'string', train: 'number', test: 'number' },
      run: async (ctx) => {
        const ref = await datasetRef(ctx);
        const [name, version] = ref.split('/') as [string, string];
        ctx.link('dataset', ref, 'read');
        const prepared: Prepared = { source: ref, train: { x: [], y: [], paths: [] }, test: { x: [], y: [], paths: [] } };
        let skipped = 0;
        for (let after: string | undefined; ; ) {
          const page = await datasetFiles(ctx.hub, name, version, { after, limit: 1000 });
          for (const file of page.files) {
            const m = /^images\/(train|test)\/(\d)\/[^/]+\.pgm$/.exec(file.path);
            if (!m) continue;
            const pixels = parsePgm(new TextDecoder().decode(await read(ctx.hub, file.digest)));
            if (!pixels) {
              skipped++;
              ctx.log(`skipped ${file.path}: not an 8×8 P2 image`);
              continue;
            }
            const split = prepared[m[1] as 'train' | 'test'];
            split.x.push(pixels);
            split.y.push(Number(m[2]));
            split.paths.push(file.path);
          }
          if (!page.next) break;
          after = page.next;
        }
        if (!prepared.train.x.length) throw new Error(`${ref} has no training images (images/train/<digit>/*.pgm)`);
        if (!prepared.test.x.length) throw new Error(`${ref} has no held-out images (images/test/<digit>/*.pgm) to evaluate on`);
        const blob = await store(ctx.hub, 'prepared.json', bytesOf(JSON.stringify(prepared)));
        ctx.log(`${ref}: ${prepared.train.x.length} training and ${prepared.test.x.length} held-out images (${skipped} skipped)`);
        return { data: blob.digest, dataset: ref, train: prepared.train.x.length, test: prepared.test.x.length };
      },
    },

    /** Fits a Dense(hidden, relu) → Dense(10, softmax) classifier on the CPU backend and stores it as tfjs-layers files. */
    train: {
      needs: ['prepare'],
      inputs: { prepare: { data: 'file', dataset: 'string' } },
      outputs: { files: 'json', run: 'string' },
      runsOn: ['node'],
      timeout: '10m',
      run: async (ctx) => {
        const { data, dataset } = ctx.inputs.prepare as { data: string; dataset: string };
        const prepared = await readJson<Prepared>(ctx.hub, data);
        const tf = await tfjs();
        const model = makeModel(tf, ctx.params.hidden, ctx.params.lr);
        const order = seededOrder(prepared.train.x.length);
        const xs = tf.tensor2d(order.map((i) => prepared.train.x[i]!), [order.length, PIXELS]);
        const ys = tf.tensor1d(order.map((i) => prepared.train.y[i]!), 'float32');
        try {
          await model.fit(xs, ys, {
            epochs: ctx.params.epochs,
            batchSize: 32,
            shuffle: false,
            verbose: 0,
            callbacks: { onEpochEnd: async (epoch, logs) => ctx.run.log({ loss: logs!.loss!, train_accuracy: (logs!.acc ?? logs!.accuracy)! }, epoch + 1) },
          });
        } finally {
          xs.dispose();
          ys.dispose();
        }
        let saved: TF.io.ModelArtifacts | undefined;
        await model.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
        model.dispose();
        const weights = new Uint8Array(saved!.weightData as ArrayBuffer);
        const modelJson = { format: 'layers-model', generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`, convertedBy: null, modelTopology: saved!.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: saved!.weightSpecs }] };
        const files = [await store(ctx.hub, 'model.json', bytesOf(JSON.stringify(modelJson))), await store(ctx.hub, 'weights.bin', weights)];
        // The training run reads the dataset version: the dataset's lineage then names the run and the model it made.
        const run = await ctx.run.id();
        await logRunDatasets(ctx.hub, run, [{ ref: dataset, context: 'training' }]);
        ctx.link('dataset', dataset, 'read');
        ctx.log(`trained on ${prepared.train.x.length} images for ${ctx.params.epochs} epochs; run ${run}`);
        return { files, run };
      },
    },

    /** Accuracy on the held-out images, logged to the step's tracking run (experiment `pipeline:digits-continuous-training`). */
    evaluate: {
      needs: ['prepare', 'train'],
      outputs: { accuracy: 'number' },
      run: async (ctx) => {
        const prepared = await readJson<Prepared>(ctx.hub, ctx.inputs.prepare!.data);
        const files = ctx.inputs.train!.files as { path: string; digest: string }[];
        const modelJson = await readJson<{ modelTopology: object; weightsManifest: { weights: TF.io.WeightsManifestEntry[] }[] }>(ctx.hub, files.find((f) => f.path === 'model.json')!.digest);
        const weights = await read(ctx.hub, files.find((f) => f.path === 'weights.bin')!.digest);
        const tf = await tfjs();
        const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0]!.weights, weightData: weights.slice().buffer }));
        const predicted = tf.tidy(() => (model.predict(tf.tensor2d(prepared.test.x, [prepared.test.x.length, PIXELS])) as TF.Tensor).argMax(1).arraySync() as number[]);
        model.dispose();
        const correct = predicted.filter((p, i) => p === prepared.test.y[i]).length;
        const accuracy = correct / prepared.test.y.length;
        ctx.run.log({ accuracy, test_examples: prepared.test.y.length });
        ctx.log(`accuracy ${accuracy.toFixed(4)} (${correct} of ${prepared.test.y.length} held-out images)`);
        return { accuracy };
      },
    },

    /** A version of `digits-ct` whose source run is the training run, with the evaluation as its metrics snapshot. */
    register: {
      needs: ['prepare', 'train', 'evaluate'],
      outputs: { model: 'string', version: 'number' },
      retries: 2,
      run: async (ctx) => {
        const { dataset } = ctx.inputs.prepare as { dataset: string };
        const { files, run } = ctx.inputs.train as { files: { path: string; digest: string; size: number }[]; run: string };
        const res = await ctx.hub.send('/v1/models', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: MODEL, description: `Dense classifier of 8×8 digits, retrained on each version of ${DATASET} (demo pipeline)` }) }, [409]);
        if (res.status === 409) await res.body?.cancel();
        // A retried step publishes the same files from the same run: the hub answers the version it made the first time.
        const version = await createVersion(ctx.hub, MODEL, { format: 'tfjs-layers', files, runId: run, metrics: { accuracy: ctx.inputs.evaluate!.accuracy }, tags: { dataset, 'outpost.pipeline.run': ctx.pipeline.runId } });
        const ref = `${MODEL}/${version.version.version}`;
        ctx.link('model', ref, 'made');
        ctx.log(`${version.created ? 'registered' : 'already registered'} ${ref} from run ${run} (${dataset})`);
        return { model: MODEL, version: version.version.version };
      },
    },

    /**
     * Moves `staging` to the new version when the gate passes (accuracy ≥ minAccuracy, 0.7 by default: chance on ten
     * digits is 0.1, the demo data trains to about 0.9). The move itself is gated
     * again by any alias policy set on `digits-ct@staging` (docs/cicd.md): the hub's 409 is a refusal, not an error.
     * Either refusal is a `promoted: false` output, not a failed run.
     */
    promote: {
      needs: ['register'],
      outputs: { promoted: 'boolean' },
      run: async (ctx) => {
        const { model, version } = ctx.inputs.register as { model: string; version: number };
        const gate = await runGate(ctx.hub, model, { candidate: version, against: 'staging', allowMissingBaseline: true, rules: [{ metric: 'accuracy', threshold: ctx.params.minAccuracy }] });
        for (const r of gate.results) ctx.log(`gate: ${r.metric} ${r.value} (${r.rule}) ${r.passed ? 'pass' : `FAIL ${r.failures.join('; ')}`}`);
        if (!gate.passed) return { promoted: false };
        try {
          await moveAlias(ctx.hub, model, 'staging', { version, reason: `pipeline ${ctx.pipeline.name} run ${ctx.pipeline.runId}: gate passed` });
        } catch (err) {
          if ((err as { status?: number }).status !== 409) throw err;
          ctx.log(`the policy of ${model}@staging refused the move: ${(err as Error).message}`);
          return { promoted: false };
        }
        ctx.log(`${model}@staging → ${version}`);
        return { promoted: true };
      },
    },
  },
});
