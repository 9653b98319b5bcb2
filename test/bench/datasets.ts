import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { pushDataset as PushDataset } from '../../cli/data/push.js';
import { retryingOnce } from '../../cli/data/retry.js';
import { diffDatasetVersions } from '../../shared/client/datasets.js';
import { HubClient } from '../../shared/client/hub-client.js';
import { random } from './features.js';
import type { BenchHub } from './hub.js';
import { fmt, medianMs, timeMs } from './stats.js';
import type { Figure } from './tracking.js';

export interface DatasetSizes {
  /** The push figure: files, their total bytes and the size range, and the share changed before the second push. */
  files: number;
  totalBytes: number;
  minSize: number;
  maxSize: number;
  changedShare: number;
  /** Files of the status and diff figures (small; 1,000 distinct contents, so the hub stores 1,000 blobs). */
  manyFiles: number;
}
export const DATASETS_FULL: DatasetSizes = { files: 10_000, totalBytes: 200_000_000, minSize: 1000, maxSize: 1_000_000, changedShare: 0.01, manyFiles: 100_000 };
export const DATASETS_SMOKE: DatasetSizes = { files: 200, totalBytes: 2_000_000, minSize: 1000, maxSize: 100_000, changedShare: 0.05, manyFiles: 2000 };

/**
 * Sizes between min and max (log scale, skewed to small by a power found by bisection) that add up to the total:
 * most files small, a few near the maximum, as a folder of images and shards is.
 */
export function fileSizes(s: DatasetSizes): number[] {
  const r = random(7);
  const u = Array.from({ length: s.files }, r);
  const ratio = s.maxSize / s.minSize;
  const sizesFor = (p: number) => u.map((x) => Math.round(s.minSize * ratio ** (x ** p)));
  const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  let lo = 0.01;
  let hi = 100;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (total(sizesFor(mid)) > s.totalBytes) lo = mid;
    else hi = mid;
  }
  const sizes = sizesFor(hi);
  // Whatever rounding left over goes to files that have room, so the total is exact.
  let rest = s.totalBytes - total(sizes);
  for (let i = 0; rest !== 0 && i < sizes.length; i++) {
    const give = Math.max(s.minSize - sizes[i]!, Math.min(s.maxSize - sizes[i]!, rest));
    sizes[i]! += give;
    rest -= give;
  }
  return sizes;
}

const pathOf = (i: number) => `shard-${String(i % 100).padStart(2, '0')}/file-${String(i).padStart(6, '0')}.bin`;

function writeFiles(dir: string, sizes: number[]) {
  for (let i = 0; i < 100; i++) mkdirSync(join(dir, `shard-${String(i).padStart(2, '0')}`), { recursive: true });
  sizes.forEach((size, i) => writeFileSync(join(dir, pathOf(i)), randomFillSync(Buffer.allocUnsafe(size))));
}

/**
 * `outpost data push` (the CLI's push, in this process: the process start is not the data's cost) of 10,000 files
 * against hashing them with `sha256sum` and copying them into an empty folder; the push again after 1% changed;
 * `status` of 100,000 unchanged files; `diff` of two 100,000-file versions over HTTP.
 */
export async function datasetBench(hub: BenchHub, s: DatasetSizes): Promise<Figure[]> {
  // Loaded here, not at the top: the CLI's zod schemas must not load before the in-process hub of the fuzz bench
  // extends zod with @hono/zod-openapi.
  const { pushDataset } = await import('../../cli/data/push.js');
  const { datasetStatus } = await import('../../cli/data/status.js');
  const work = mkdtempSync(join(tmpdir(), 'outpost-bench-datasets-'));
  const saved = process.env.OUTPOST_CACHE_DIR;
  process.env.OUTPOST_CACHE_DIR = join(work, 'hash-cache');
  const client = retryingOnce(new HubClient({ hub: hub.url, key: hub.key, unreachable: (cause) => new Error(`cannot reach the bench hub (${(cause as Error & { cause?: Error }).cause?.message ?? cause})`, { cause }) }));
  const figures: Figure[] = [];
  const report = (f: Figure) => {
    figures.push(f);
    console.error(`datasets bench: ${f.name}: ${f.value} (baseline ${f.baseline}, ratio ${f.ratio}, target ${f.target})`);
  };
  try {
    const src = join(work, 'push');
    const sizes = fileSizes(s);
    console.error(`datasets bench: writing ${fmt(s.files)} files (${fmt(s.totalBytes / 1e6)} MB)…`);
    writeFiles(src, sizes);

    const baselineMs = await timeMs(async () => {
      execFileSync('sh', ['-c', `find "${src}" -type f -print0 | xargs -0 sha256sum > /dev/null`]);
      execFileSync('cp', ['-r', src, join(work, 'copy')]);
    });
    rmSync(join(work, 'copy'), { recursive: true, force: true });
    let first!: Awaited<ReturnType<typeof PushDataset>>;
    const firstMs = await timeMs(async () => (first = await pushDataset(client, src, 'bench', 'first')));
    if (first.ref !== 'bench/1' || first.uploadedBytes !== s.totalBytes) throw new Error(`first push: ${JSON.stringify(first)}`);
    report({
      name: `data push: ${fmt(s.files)} files, ${fmt(s.totalBytes / 1e6)} MB, first push`,
      value: `${fmt(firstMs)} ms`,
      baseline: `sha256sum + cp -r into an empty folder ${fmt(baselineMs)} ms`,
      ratio: `${fmt(firstMs / baselineMs, 2)}×`,
      target: 'reported (no target)',
      ok: true,
    });

    const r = random(11);
    const changed = new Set<number>();
    while (changed.size < Math.round(s.files * s.changedShare)) changed.add(Math.floor(r() * s.files));
    let changedBytes = 0;
    for (const i of changed) {
      writeFileSync(join(src, pathOf(i)), randomFillSync(Buffer.allocUnsafe(sizes[i]!)));
      changedBytes += sizes[i]!;
    }
    let second!: Awaited<ReturnType<typeof PushDataset>>;
    const secondMs = await timeMs(async () => (second = await pushDataset(client, src, 'bench', 'second')));
    if (second.uploadedBytes !== changedBytes || second.uploadedFiles !== changed.size)
      throw new Error(`second push uploaded ${second.uploadedBytes} bytes in ${second.uploadedFiles} files; the changed files are ${changedBytes} bytes in ${changed.size}`);
    report({
      name: `data push again after ${fmt(changed.size)} files (${fmt(s.changedShare * 100)}%) changed: uploads exactly their ${fmt(changedBytes / 1e6, 1)} MB`,
      value: `${fmt(secondMs)} ms`,
      baseline: `the first push, ${fmt(firstMs)} ms`,
      ratio: `${fmt(secondMs / firstMs, 3)}×`,
      target: '≤ 0.1× the first push, bytes uploaded = changed bytes',
      ok: secondMs <= 0.1 * firstMs,
    });
    rmSync(src, { recursive: true, force: true });

    const many = join(work, 'many');
    console.error(`datasets bench: writing ${fmt(s.manyFiles)} small files…`);
    for (let i = 0; i < 100; i++) mkdirSync(join(many, `shard-${String(i).padStart(2, '0')}`), { recursive: true });
    for (let i = 0; i < s.manyFiles; i++) writeFileSync(join(many, pathOf(i)), `row ${i % 1000}\n`);
    const v1 = await pushDataset(client, many, 'many', 'v1');
    const statusMs = await medianMs(() => datasetStatus(client, many, 'many'), 3, 1);
    report({
      name: `data status: ${fmt(s.manyFiles)} unchanged files (hash cache warm)`,
      value: `${fmt(statusMs)} ms`,
      baseline: 'DVC users report 48 minutes for dvc status on large folders (issue 15)',
      quoted: true,
      ratio: '-',
      target: '≤ 2000 ms',
      ok: statusMs <= 2000,
    });

    for (let i = 0; i < s.manyFiles; i += 100) writeFileSync(join(many, pathOf(i)), `changed ${i}\n`);
    const changedStatusMs = await medianMs(() => datasetStatus(client, many, 'many'), 3, 1);
    report({
      name: `data status: ${fmt(s.manyFiles)} files, 1% changed (the version's manifest read a page at a time)`,
      value: `${fmt(changedStatusMs)} ms`,
      baseline: 'status of the unchanged folder above',
      ratio: `${fmt(changedStatusMs / statusMs, 1)}×`,
      target: 'reported (no target)',
      ok: true,
    });
    const v2 = await pushDataset(client, many, 'many', 'v2');
    let changes = 0;
    const diffMs = await medianMs(async () => {
      changes = 0;
      let after: string | undefined;
      do {
        const page = await diffDatasetVersions(client, 'many', v2.version, String(v1.version), { after, limit: 10_000 });
        changes += page.added.length + page.deleted.length + page.modified.length + page.renamed.length;
        after = page.next ?? undefined;
      } while (after !== undefined);
    }, 3, 1);
    if (changes !== s.manyFiles / 100) throw new Error(`diff found ${changes} changes, not ${s.manyFiles / 100}`);
    report({
      name: `data diff over HTTP: two ${fmt(s.manyFiles)}-file versions, ${fmt(changes)} modified`,
      value: `${fmt(diffMs)} ms`,
      baseline: '-',
      ratio: '-',
      target: '≤ 1000 ms',
      ok: diffMs <= 1000,
    });
    return figures;
  } finally {
    if (saved === undefined) delete process.env.OUTPOST_CACHE_DIR;
    else process.env.OUTPOST_CACHE_DIR = saved;
    rmSync(work, { recursive: true, force: true });
  }
}
