import { parquetWriteBuffer } from 'hyparquet-writer';
import type { DatasetFile } from '../../shared/schemas/datasets.js';
import type { Scope } from '../core/scope.js';
import { ensureDataset, setAlias } from '../datasets/datasets.js';
import { appendFiles, commitDraft, deleteDraft, openDraft } from '../datasets/drafts.js';
import { versionSource } from '../datasets/lineage.js';
import { logDatasetInputs } from '../tracking/inputs.js';
import { getRunRow } from '../tracking/runs.js';

export const DEMO_DATASET = 'digits-samples';

type Store = (files: Record<string, Uint8Array>) => Promise<DatasetFile[]>;

const text = (s: string) => new TextEncoder().encode(s);

/** A 5×7 bitmap of each digit, row by row ('#' is ink): what the demo's images are drawn from. */
const GLYPHS: readonly string[][] = [
  ['.###.', '#...#', '#..##', '#.#.#', '##..#', '#...#', '.###.'],
  ['..#..', '.##..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  ['.###.', '#...#', '....#', '...#.', '..#..', '.#...', '#####'],
  ['####.', '....#', '....#', '.###.', '....#', '....#', '####.'],
  ['...#.', '..##.', '.#.#.', '#..#.', '#####', '...#.', '...#.'],
  ['#####', '#....', '####.', '....#', '....#', '#...#', '.###.'],
  ['..##.', '.#...', '#....', '####.', '#...#', '#...#', '.###.'],
  ['#####', '....#', '...#.', '..#..', '.#...', '.#...', '.#...'],
  ['.###.', '#...#', '#...#', '.###.', '#...#', '#...#', '.###.'],
  ['.###.', '#...#', '#...#', '.####', '....#', '...#.', '.##..'],
];

/**
 * An 8×8 grey image (0–15) of a digit as a plain-text PGM file (made-up data, seeded): the digit's 5×7 glyph placed
 * at column 1 or 2 and row 0 or 1, its ink 10–15 with one stroke pixel in twelve dropped, on a background of
 * 0–3 with one pixel in twenty a stray mark. Learnable: a small dense network tells the digits apart on held-out images.
 */
function pgm(digit: number, random: () => number): Uint8Array {
  const glyph = GLYPHS[digit]!;
  const dx = 1 + Math.floor(random() * 2);
  const dy = Math.floor(random() * 2);
  const rows = Array.from({ length: 8 }, (_, y) =>
    Array.from({ length: 8 }, (_, x) => {
      const ink = glyph[y - dy]?.[x - dx] === '#';
      if (ink) return random() < 1 / 12 ? Math.floor(random() * 4) : 10 + Math.floor(random() * 6);
      return random() < 1 / 20 ? 6 + Math.floor(random() * 6) : Math.floor(random() * 4);
    }).join(' '),
  );
  return text(`P2\n8 8\n15\n${rows.join('\n')}\n`);
}

/** Labels of the sample images, with the writer and how sure the labeller was (one left blank). */
function labelsCsv(images: string[], random: () => number): Uint8Array {
  const rows = images.map((path, i) => `${path},${path.split('/')[2]},${1 + (i % 5)},${i === 2 ? '' : (0.8 + random() * 0.2).toFixed(3)}`);
  return text(`image,label,writer_id,confidence\n${rows.join('\n')}\n`);
}

function pixelStats(random: () => number): Uint8Array {
  const n = 40;
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'sample_id', data: Array.from({ length: n }, (_, i) => BigInt(i + 1)), type: 'INT64' },
        { name: 'label', data: Array.from({ length: n }, (_, i) => i % 10), type: 'INT32' },
        { name: 'pixel_mean', data: Array.from({ length: n }, () => Math.round(random() * 16_000) / 1000), type: 'DOUBLE' },
        { name: 'ink_ratio', data: Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : Math.round(random() * 1000) / 1000)), type: 'DOUBLE' },
      ],
    }),
  );
}

async function commitVersion(scope: Scope, files: DatasetFile[], message: string) {
  const dataset = await ensureDataset(scope, DEMO_DATASET);
  const id = `demo-${crypto.randomUUID()}`;
  try {
    const draft = await openDraft(scope, dataset, id, { message, tags: { source: 'demo' } });
    await appendFiles(scope, dataset, draft, files);
    return (await commitDraft(scope, dataset, draft)).version;
  } finally {
    await deleteDraft(scope, dataset, id);
  }
}

/**
 * The demo's dataset (made-up data): `digits-samples/1` with 8×8 images of the ten digits, each drawn from the digit's
 * glyph (200 in images/train/<digit>/), their labels as CSV, per-sample pixel statistics as Parquet and writer notes
 * as JSONL; `digits-samples/2` moves the labels into `tables/`, adds the held-out split (50 in images/test/<digit>/)
 * and rewrites the README; alias `current` → 2. The runs that made the `digits` model's two versions read version 1
 * and `current`.
 */
export async function seedDemoDatasets(scope: Scope, store: Store, random: () => number, trainingRuns: [string, string]): Promise<void> {
  // Twenty training images of each digit (sample-<i>: digit i % 10) and five held-out ones (added by version 2).
  const train = Array.from({ length: 200 }, (_, i) => `images/train/${i % 10}/sample-${i}.pgm`);
  const test = Array.from({ length: 50 }, (_, i) => `images/test/${i % 10}/sample-${500 + i}.pgm`);
  const digitOf = (path: string) => Number(path.split('/')[2]);
  const images = Object.fromEntries([...train, ...test].map((p) => [p, pgm(digitOf(p), random)]));
  const common = await store({
    ...images,
    'tables/pixel-stats.parquet': pixelStats(random),
    'notes/writers.jsonl': text('{"writer_id":1,"hand":"left","note":"slanted strokes"}\n{"writer_id":2,"hand":"right"}\n{"writer_id":3,"hand":"right","note":"thin pen"}\n'),
  });
  const labels = labelsCsv([...train, ...test], random);
  const [labelsV1] = await store({ 'labels.csv': labels });
  const [readme1] = await store({ 'README.md': text('# digits-samples (demo)\n\n8×8 sample images of handwritten digits with their labels.\n') });
  const [readme2] = await store({ 'README.md': text('# digits-samples (demo)\n\n8×8 sample images of handwritten digits with their labels.\nVersion 2: labels live in tables/; a held-out split of 50 test images.\n') });

  const v1Files = [...common.filter((f) => !test.includes(f.path)), labelsV1!, readme1!];
  const v1 = await commitVersion(scope, v1Files, 'first cut: 200 training images, labels, pixel statistics');
  const v2Files = [...common, { ...labelsV1!, path: 'tables/labels.csv' }, readme2!];
  const v2 = await commitVersion(scope, v2Files, 'move labels into tables/, add a test split');
  await setAlias(scope, await ensureDataset(scope, DEMO_DATASET), 'current', v2.version);

  for (const [runId, version] of [[trainingRuns[0], v1], [trainingRuns[1], v2]] as const) {
    const run = await getRunRow(scope, runId);
    await logDatasetInputs(scope, run, [
      { dataset: { name: DEMO_DATASET, digest: version.manifestDigest, sourceType: 'outpost', source: versionSource(DEMO_DATASET, version.version), schema: null, profile: null }, tags: { 'mlflow.data.context': 'training' } },
    ]);
  }
}
