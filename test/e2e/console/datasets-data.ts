import { parquetWriteBuffer } from 'hyparquet-writer';
import type { HubData } from './hub-data.js';

const text = (s: string) => new TextEncoder().encode(s);

/**
 * A dataset `samples-<uid>` for the console's dataset pages, in the project of `hub`'s key. Version 1: a CSV and a
 * Parquet table, a JSONL file, a README and images in nested folders; version 2 renames the CSV into `tables/`,
 * changes the README, drops one image and adds another; alias `current` → 2. A finished run records that it read
 * version 2, and version 1 of the model `from-samples-<uid>` is registered from that run.
 */
export async function datasetData(hub: HubData, uid: string) {
  const names = { dataset: `samples-${uid}`, run: `trained-on-samples-${uid}`, model: `from-samples-${uid}` };
  const entry = async (path: string, bytes: Uint8Array) => ({ path, digest: await hub.blob(bytes), size: bytes.byteLength });
  const parquet = parquetWriteBuffer({
    columnData: [
      { name: 'id', data: Array.from({ length: 30 }, (_, i) => BigInt(i + 1)), type: 'INT64' },
      { name: 'pixel_mean', data: Array.from({ length: 30 }, (_, i) => (i === 3 ? null : Math.round((0.1 + i / 40) * 1000) / 1000)), type: 'DOUBLE' },
      { name: 'label', data: Array.from({ length: 30 }, (_, i) => String(i % 10)), type: 'STRING' },
    ],
  });
  const shared = [
    await entry('data/labels.csv', text('file,label,confidence\nimg_0.png,7,0.98\nimg_1.png,2,\nimg_2.png,1,0.91\n')),
    await entry('tables/features.parquet', new Uint8Array(parquet)),
    await entry('data/notes.jsonl', text('{"writer":1,"note":"left-handed"}\n{"writer":2,"note":"slanted"}\n')),
    await entry('images/train/0/a.png', text('png-a')),
    await entry('images/train/1/b.png', text('png-b-bytes')),
    await entry('images/test/c.png', text('png-c')),
  ];
  const readme1 = await entry('README.md', text('# samples\n'));
  await hub.call('POST', `/v1/datasets/${names.dataset}/versions`, { files: [...shared, readme1], message: 'first cut of the samples' });
  const v2 = [
    { ...shared[0]!, path: 'tables/labels.csv' },
    ...shared.slice(1, 4),
    shared[5]!,
    await entry('images/test/d.png', text('png-d, new')),
    await entry('README.md', text('# samples\n\nNow with a test split.\n')),
  ];
  await hub.call('POST', `/v1/datasets/${names.dataset}/versions`, { files: v2, message: 'move labels under tables/, new test image' });
  await hub.call('PUT', `/v1/datasets/${names.dataset}/aliases/current`, { version: 2 });

  const exp = await hub.experiment(`samples-${uid}`);
  const run = await hub.run(exp.id, { name: names.run, params: { lr: '0.01' }, metrics: { loss: [1, 0.5, 0.25] } });
  await hub.call('POST', `/v1/runs/${run.id}/datasets`, { datasets: [{ ref: `${names.dataset}@current`, context: 'training' }] });
  await hub.model(names.model, 1, run.id);
  return { ...names, runId: run.id };
}
