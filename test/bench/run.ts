/**
 * `npm run bench`: the performance figures of DESIGN §9, each next to a baseline measured in the same run on
 * the same machine. `--smoke` runs every part at toy sizes in seconds (npm test does, so the bench keeps working).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBenchHub } from './hub.js';
import { fmt } from './stats.js';
import { FULL, history, ingestion, mlflowLogBatch, search, seedSearchData, SMOKE, type Figure } from './tracking.js';

const smoke = process.argv.includes('--smoke');
const sizes = smoke ? SMOKE : FULL;
const started = performance.now();

const dataDir = mkdtempSync(join(tmpdir(), 'outpost-bench-'));
console.error(`seeding ${fmt(sizes.searchRuns)} runs for the search bench…`);
const { key } = await seedSearchData(dataDir, sizes);
const hub = await startBenchHub(dataDir);
const figures: Figure[] = [];
try {
  figures.push(...(await ingestion(hub, sizes)));
  figures.push(await mlflowLogBatch(hub, sizes));
  figures.push(...(await search(hub, sizes, key)));
  figures.push(await history(hub, sizes));
} catch (err) {
  console.error(`bench failed: ${(err as Error).stack}\nhub output:\n${hub.output().slice(-3000)}`);
  process.exitCode = 1;
} finally {
  await hub.stop();
}
if (process.exitCode) process.exit();

console.log(`\nOutpost bench${smoke ? ' (smoke sizes: figures mean nothing)' : ''} — node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
for (const f of figures) {
  console.log(`\n${smoke ? '·' : f.ok ? '✓' : '✗'} ${f.name}\n    ${f.value}   baseline: ${f.baseline}   ratio: ${f.ratio}   target: ${f.target}`);
}
console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);
if (!smoke && figures.some((f) => !f.ok)) process.exit(1);
