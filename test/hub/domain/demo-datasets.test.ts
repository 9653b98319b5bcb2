// The hub's app first: it extends zod with `.openapi` before any schema is built.
import { describe, expect, test } from '../../helpers/app.js';
import { seedDemo } from '../../../hub/demo/seed.js';

describe('the demo dataset', () => {
  // The whole demo is seeded (runs with curves, models, features, telemetry): seconds, not milliseconds.
  test('seeds digits-samples with two versions, a rename, an alias, readable tables, and lineage to the runs behind the digits model', { timeout: 60_000 }, async ({ hub }) => {
    await seedDemo(hub.db, hub.blobs, hub.project.id);
    const get = async (path: string) => {
      const r = await hub.request(path);
      expect(r.status, path).toBe(200);
      return r.json();
    };
    const dataset = await get('/v1/datasets/digits-samples');
    expect(dataset).toMatchObject({ versions: 2, aliases: { current: 2 }, latest: { version: 2, parentVersion: 1 } });
    const diff = await get('/v1/datasets/digits-samples/versions/2/diff?against=1');
    expect(diff.renamed).toEqual([expect.objectContaining({ path: { old: 'labels.csv', new: 'tables/labels.csv' } })]);
    // Version 2 adds the held-out split: five images of each digit, sample-500…549 (digit = number % 10).
    const heldOut = Array.from({ length: 50 }, (_, i) => `images/test/${i % 10}/sample-${500 + i}.pgm`).sort();
    expect(diff.added.map((f: { path: string }) => f.path)).toEqual(heldOut);
    expect(diff.modified.map((f: { path: string }) => f.path)).toEqual(['README.md']);
    expect((await get('/v1/datasets/digits-samples/versions/2/tree?path=images')).entries.map((e: { name: string; files: number }) => `${e.name}:${e.files}`)).toEqual(['test:50', 'train:200']);
    for (const path of ['tables/labels.csv', 'tables/pixel-stats.parquet', 'notes/writers.jsonl']) {
      const stats = await get(`/v1/datasets/digits-samples/versions/2/stats?path=${encodeURIComponent(path)}`);
      expect(stats.error, path).toBeNull();
      expect((await get(`/v1/datasets/digits-samples/versions/2/preview?path=${encodeURIComponent(path)}`)).rows.length, path).toBeGreaterThan(0);
    }
    expect((await get('/v1/datasets/digits-samples/versions/1/lineage')).modelVersions).toEqual([expect.objectContaining({ model: 'digits', version: 1 })]);
    expect((await get('/v1/datasets/digits-samples/versions/current/lineage')).modelVersions).toEqual([expect.objectContaining({ model: 'digits', version: 2 })]);
  });
});
