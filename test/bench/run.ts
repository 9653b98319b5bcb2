/**
 * `npm run bench`: the performance figures of DESIGN §9, each next to a baseline measured in the same run on
 * the same machine, or one quoted from elsewhere and printed as such. `--smoke` runs every part at toy sizes in
 * seconds (npm test does, so the bench keeps working).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chart, CHART_FULL, CHART_SMOKE } from './chart.js';
import { DATASETS_FULL, DATASETS_SMOKE, datasetBench } from './datasets.js';
import { FEATURES_FULL, FEATURES_SMOKE, featureBench } from './features.js';
import { FINETUNE_FULL, FINETUNE_SMOKE, finetuneBench } from './finetune.js';
import { FUZZ_FULL, FUZZ_SMOKE, fuzzBench } from './fuzz.js';
import { startBenchHub, type BenchHub } from './hub.js';
import { LOAD_FULL, LOAD_HUB_ENV, LOAD_SMOKE, loadBench } from './load.js';
import { ROLLOUTS_FULL, ROLLOUTS_SMOKE, rolloutBench } from './rollouts.js';
import { PIPELINES_FULL, PIPELINES_SMOKE, pipelineBench } from './pipelines.js';
import { RUNTIME_FULL, RUNTIME_SMOKE, runtimeBench } from './runtime.js';
import { EDGELOAD_FULL, EDGELOAD_SMOKE, edgeLoadBench } from './edge-load.js';
import { firstLoadBench } from './first-load.js';
import { SERVING_FULL, SERVING_SMOKE, servingBench } from './serving.js';
import { fmt } from './stats.js';
import { FULL, history, ingestion, mlflowLogBatch, search, seedSearchData, SMOKE, type Figure } from './tracking.js';

const smoke = process.argv.includes('--smoke');
// `--only tracking,search,features,datasets,runtime,firstload,edgeload,finetune,chart,fuzz,load,rollouts,serving,pipelines` runs some parts (each still with its baseline); all of them by default.
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? new Set(process.argv[onlyArg + 1]?.split(',')) : null;
const wanted = (part: string) => only === null || only.has(part);
const sizes = smoke ? SMOKE : FULL;
const started = performance.now();

const figures: Figure[] = [];

/** Runs bench parts against a fresh hub process; prints the hub's output if a part fails. */
async function withHub(dataDir: string | undefined, parts: (hub: BenchHub) => Promise<Figure[]>, env?: Record<string, string>) {
  const hub = await startBenchHub(dataDir, env);
  try {
    figures.push(...(await parts(hub)));
  } catch (err) {
    console.error(`bench failed: ${(err as Error).stack}\nhub output:\n${hub.output().slice(-3000)}`);
    process.exitCode = 1;
  } finally {
    await hub.stop();
  }
}

// Writes go to an empty hub, as the raw baseline writes to an empty database.
if (wanted('tracking')) await withHub(undefined, async (hub) => [...(await ingestion(hub, sizes)), await mlflowLogBatch(hub, sizes), await history(hub, sizes)]);
if (wanted('search')) {
  const searchDir = mkdtempSync(join(tmpdir(), 'outpost-bench-'));
  console.error(`seeding ${fmt(sizes.searchRuns)} runs for the search bench…`);
  const { key } = await seedSearchData(searchDir, sizes);
  await withHub(searchDir, (hub) => search(hub, sizes, key));
}
// The feature store: push ingestion, historical retrieval against DuckDB, online reads against the online table.
if (wanted('features')) await withHub(undefined, (hub) => featureBench(hub, smoke ? FEATURES_SMOKE : FEATURES_FULL));
// Dataset versions: push (first and after 1% changed) against sha256sum + cp, status and diff of 100,000 files.
if (wanted('datasets')) await withHub(undefined, (hub) => datasetBench(hub, smoke ? DATASETS_SMOKE : DATASETS_FULL));
// The browser runtime in Chromium against a hub of its own.
if (wanted('runtime')) await withHub(undefined, (hub) => runtimeBench(hub, smoke ? RUNTIME_SMOKE : RUNTIME_FULL));
// The edge's first load: bytes and time to the first inference on a cold WASM-only browser, against the build before.
if (wanted('firstload')) await withHub(undefined, (hub) => firstLoadBench(hub, smoke ? 1 : 3));
// Large models: a warm load of 100 MiB from OPFS against a session created from memory, and a download resumed halfway.
if (wanted('edgeload')) await withHub(undefined, (hub) => edgeLoadBench(hub, smoke ? EDGELOAD_SMOKE : EDGELOAD_FULL));
// On-device fine-tuning in Chromium: the page's responsiveness while the worker trains, and abort latency.
if (wanted('finetune')) await withHub(undefined, (hub) => finetuneBench(hub, smoke ? FINETUNE_SMOKE : FINETUNE_FULL));
// The console's chart in Chromium: the component with generated points, and its metric panel reading a hub.
if (wanted('chart')) await withHub(undefined, (hub) => chart(hub, smoke ? CHART_SMOKE : CHART_FULL));
// Hostile requests at an in-process hub (the fuzz tier of npm test, at a size for the bench): 5xx and stalls, target 0.
if (wanted('fuzz')) figures.push(await fuzzBench(smoke ? FUZZ_SMOKE : FUZZ_FULL));
// 200 simulated devices at once on manifests and sync, against a hub whose device rate limit is raised out of the way.
if (wanted('load')) await withHub(undefined, (hub) => loadBench(hub, smoke ? LOAD_SMOKE : LOAD_FULL), LOAD_HUB_ENV);
// A simulated fleet during staged rollouts with a one-second interval: a good candidate, 5% errors, twice the latency.
if (wanted('rollouts')) await withHub(undefined, (hub) => rolloutBench(hub, smoke ? ROLLOUTS_SMOKE : ROLLOUTS_FULL), LOAD_HUB_ENV);
// Server-side inference (/v2): HTTP with binary tensors against onnxruntime-node in-process, and dynamic batching under 64 clients.
if (wanted('serving')) {
  try {
    figures.push(...(await servingBench(smoke ? SERVING_SMOKE : SERVING_FULL)));
  } catch (err) {
    console.error(`bench failed: ${(err as Error).stack}`);
    process.exitCode = 1;
  }
}
// Pipelines: a runner in this process leasing steps from the hub process over HTTP.
if (wanted('pipelines')) await withHub(undefined, (hub) => pipelineBench(hub, smoke ? PIPELINES_SMOKE : PIPELINES_FULL));
if (process.exitCode) process.exit();

console.log(`\nOutpost bench${smoke ? ' (smoke sizes: figures mean nothing)' : ''} — node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
for (const f of figures) {
  const baseline = f.quoted ? `${f.baseline} [quoted, not measured in this run]` : f.baseline;
  console.log(`\n${smoke ? '·' : f.ok ? '✓' : '✗'} ${f.name}\n    ${f.value}   baseline: ${baseline}   ratio: ${f.ratio}   target: ${f.target}`);
}
console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);
if (!smoke && figures.some((f) => !f.ok)) process.exit(1);
