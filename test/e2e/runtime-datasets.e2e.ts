import { createHash, randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { finetuneBaseModelFiles, finetuneDataset } from '../fixtures/finetune.js';
import { HubApi } from './runtime/hub-api.js';
import { expect, openSite, openSiteWithServiceWorker, test } from './runtime/fixtures.js';

/** op.dataset in a real browser against a real hub (issue 15, Browser): manifests, files, caching, tables, fine-tunes. */

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const text = (s: string) => new TextEncoder().encode(s);
const hubRunId = (id: string) => id.replace(/-/g, '');

/** 320 shifted samples of the fine-tune fixture as a CSV: f0…f7 and an integer label. */
function trainCsv(): Uint8Array {
  const set = finetuneDataset(320, { seed: 1, shifted: true });
  const lines = ['f0,f1,f2,f3,f4,f5,f6,f7,label'];
  for (let s = 0; s < set.labels.length; s++) lines.push([...Array.from(set.x.data.subarray(s * 8, s * 8 + 8)), set.labels[s]].join(','));
  return text(`${lines.join('\n')}\n`);
}

const FILES = () => ({
  'train.csv': trainCsv(),
  'rows.jsonl': text('{"id":1,"name":"ada","score":0.5}\n{"id":2,"name":"bob"}\n'),
  'rows.parquet': new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'id', data: [BigInt(7), BigInt(8)], type: 'INT64' }, { name: 'ok', data: [true, false], type: 'BOOLEAN' }] } as never)),
  'big.bin': new Uint8Array(randomBytes(3 * 1024 * 1024)),
  'notes/readme.txt': text('hello'),
});

/** A project of its own with its admin key; `seed` pushes a version of `name` (blobs, then the manifest) and points `current` at it. */
async function datasetProject(info: { testId: string }) {
  const admin = new HubApi(`http://127.0.0.1:${process.env.OUTPOST_E2E_PORT}`, process.env.OUTPOST_E2E_KEY!);
  const { adminKey } = await admin.call('POST', '/v1/projects', { name: `ds-${info.testId.slice(-10)}-${Date.now().toString(36)}` });
  const api = new HubApi(admin.url, adminKey.secret);
  const seed = async (name: string, files: Record<string, Uint8Array>, message = '') => {
    const list = [];
    for (const [path, bytes] of Object.entries(files)) {
      await api.call('PUT', `/v1/blobs/${sha256(bytes)}`, undefined, bytes);
      list.push({ path, digest: sha256(bytes), size: bytes.byteLength });
    }
    const { version } = await api.call('POST', `/v1/datasets/${name}/versions`, { files: list, message });
    await api.call('PUT', `/v1/datasets/${name}/aliases/current`, { version: version.version });
    return version as { version: number; manifestDigest: string };
  };
  return { api, key: adminKey.secret as string, seed };
}

/** Runs `body(op, ds…)` in the page with a fresh connection; an error comes back as `{ code, message }`. */
function inPage<A, R>(page: Page, hub: string, key: string, arg: A, body: (op: any, arg: A) => Promise<R>): Promise<R | { code: string; message: string }> {
  return page.evaluate(
    async ({ hub, key, arg, body }) => {
      const w = window as any;
      const op = await w.Outpost.connect({ hub, key });
      try {
        return await new Function('op', 'arg', `return (${body})(op, arg)`)(op, arg);
      } catch (e: any) {
        return { code: e.code, message: e.message };
      } finally {
        await op.close();
      }
    },
    { hub, key, arg, body: body.toString() },
  );
}

/** The requests the page made to the hub's blob route. */
function countBlobRequests(page: Page): { count: number } {
  const seen = { count: 0 };
  page.on('request', (r) => {
    if (r.url().includes('/v1/blobs/')) seen.count++;
  });
  return seen;
}

test.describe('datasets in the browser runtime', () => {
  test('describes a version by number, alias or name, and pages its manifest', async ({ page, site, hubUrl }, info) => {
    const { key, seed } = await datasetProject(info);
    const v1 = await seed('tabs', FILES(), 'first');
    await seed('tabs', { 'only.txt': text('two') }, 'second');
    await openSite(page, site);
    const out = await inPage(page, hubUrl, key, null, async (op) => {
      const one = await op.dataset('tabs/1');
      const paths: string[] = [];
      for await (const f of one.files({ pageSize: 2 })) paths.push(f.path);
      const first = await one.filesPage({ limit: 2 });
      const second = await one.filesPage({ after: first.next, limit: 2 });
      const latest = await op.dataset('tabs');
      const alias = await op.dataset('tabs@current');
      const missing = await one.file('nope.txt').catch((e: any) => `${e.code}: ${e.message}`);
      const unknown = await op.dataset('nothing/1').catch((e: any) => e.code);
      const bad = await op.dataset('tabs/../x').catch((e: any) => e.code);
      return {
        version: one.version, ref: one.ref, source: one.source, paths, first, second: second.files.map((f: any) => f.path),
        latest: latest.ref, alias: alias.ref, entry: await one.entry('notes/readme.txt'), none: await one.entry('notes/readme.tx'), missing, unknown, bad,
      };
    });
    if ('code' in out) throw new Error(out.message);
    expect(out.ref).toBe('tabs/1');
    expect(out.version).toMatchObject({ dataset: 'tabs', version: 1, files: 5, message: 'first', manifestDigest: v1.manifestDigest });
    expect(out.source).toBe('network');
    expect(out.paths).toEqual(['big.bin', 'notes/readme.txt', 'rows.jsonl', 'rows.parquet', 'train.csv']);
    expect(out.first.files.map((f: any) => f.path)).toEqual(['big.bin', 'notes/readme.txt']);
    expect(out.first.next).toBe('notes/readme.txt');
    expect(out.second).toEqual(['rows.jsonl', 'rows.parquet']);
    expect(out.latest).toBe('tabs/2');
    expect(out.alias).toBe('tabs/2');
    expect(out.entry).toEqual({ path: 'notes/readme.txt', digest: sha256(text('hello')), size: 5 });
    expect(out.none).toBeNull();
    expect(out.missing).toBe('not_found: tabs/1 has no file "nope.txt"');
    expect(out.unknown).toBe('not_found');
    expect(out.bad).toBe('bad_ref');
  });

  test('pages a 12,000-file manifest: a file is found with one small request, and a listing goes a page at a time', async ({ page, site, hubUrl }, info) => {
    const { api, key } = await datasetProject(info);
    const bytes = text('same bytes');
    await api.call('PUT', `/v1/blobs/${sha256(bytes)}`, undefined, bytes);
    const entries = Array.from({ length: 12_000 }, (_, i) => ({ path: `part/${String(i).padStart(5, '0')}.txt`, digest: sha256(bytes), size: bytes.byteLength }));
    const draft = `draft-${Date.now().toString(36)}`;
    await api.call('PUT', `/v1/datasets/many/drafts/${draft}`, {});
    for (let i = 0; i < entries.length; i += 3_000) await api.call('POST', `/v1/datasets/many/drafts/${draft}/files`, { files: entries.slice(i, i + 3_000) });
    await api.call('POST', `/v1/datasets/many/drafts/${draft}/commit`);
    await openSite(page, site);
    const pages: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/versions/1/files')) pages.push(new URL(r.url()).searchParams.get('limit') ?? '');
    });
    const found = await inPage(page, hubUrl, key, null, async (op) => {
      const ds = await op.dataset('many/1');
      return new TextDecoder().decode(await ds.file('part/11999.txt'));
    });
    expect(found).toBe('same bytes');
    expect(pages).toEqual(['100']);
    pages.length = 0;
    const listed = await inPage(page, hubUrl, key, null, async (op) => {
      let n = 0;
      let last = '';
      for await (const f of (await op.dataset('many/1')).files({ pageSize: 5_000 })) (n++, (last = f.path));
      return { n, last };
    });
    expect(listed).toEqual({ n: 12_000, last: 'part/11999.txt' });
    expect(pages).toEqual(['5000', '5000', '5000']);
  });

  test('downloads a file with progress, verifies it, and reads it from IndexedDB the next time', async ({ page, site, hubUrl }, info) => {
    const { key, seed } = await datasetProject(info);
    const files = FILES();
    await seed('blobs', files);
    await openSite(page, site);
    const requests = countBlobRequests(page);
    const first = await inPage(page, hubUrl, key, null, async (op) => {
      const ds = await op.dataset('blobs/1');
      const events: [number, number][] = [];
      const bytes = await ds.file('big.bin', { onProgress: (p: any) => events.push([p.loaded, p.total]) });
      const digest = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
      return { events, digest: `sha256:${digest}`, size: bytes.byteLength };
    });
    if ('code' in first) throw new Error(first.message);
    const size = files['big.bin'].byteLength;
    expect(first.size).toBe(size);
    expect(first.digest).toBe(sha256(files['big.bin']));
    expect(first.events.length).toBeGreaterThan(2);
    expect(first.events.every(([, total]) => total === size)).toBe(true);
    expect(first.events.map(([loaded]) => loaded)).toEqual([...first.events.map(([loaded]) => loaded)].sort((a, b) => a - b));
    expect(first.events.at(-1)).toEqual([size, size]);
    expect(requests.count).toBe(1);

    const again = await inPage(page, hubUrl, key, null, async (op) => {
      const events: number[] = [];
      const ds = await op.dataset('blobs/1');
      const bytes = await ds.file('big.bin', { onProgress: (p: any) => events.push(p.loaded) });
      return { events, size: bytes.byteLength, source: ds.source };
    });
    expect(again).toEqual({ events: [size], size, source: 'cache' });
    expect(requests.count).toBe(1);
  });

  test('refuses bytes that do not match the manifest digest, naming the path, and keeps none of them', async ({ page, site, hubUrl }, info) => {
    const { key, seed } = await datasetProject(info);
    const files = FILES();
    await seed('bad', files);
    await openSite(page, site);
    // The hub's bytes flipped in transit: same length, another sha256.
    const blob = `**/v1/blobs/${sha256(files['rows.jsonl'])}`;
    await page.route(blob, async (route) => {
      const res = await route.fetch();
      const body = Buffer.from(await res.body());
      body[0] = body[0]! ^ 0xff;
      await route.fulfill({ response: res, body });
    });
    const refused = await inPage(page, hubUrl, key, null, async (op) => (await op.dataset('bad/1')).file('rows.jsonl'));
    expect(refused).toMatchObject({ code: 'integrity', message: expect.stringMatching(/^rows\.jsonl of bad\/1 as downloaded is corrupt: its sha256 is sha256:[0-9a-f]{64}, the manifest says sha256:/) });
    await page.unroute(blob);
    // Nothing was kept: the next read downloads again, and gets the right bytes.
    const requests = countBlobRequests(page);
    const fixed = await inPage(page, hubUrl, key, null, async (op) => new TextDecoder().decode(await (await op.dataset('bad/1')).file('rows.jsonl')));
    expect(fixed).toBe(new TextDecoder().decode(files['rows.jsonl']));
    expect(requests.count).toBe(1);
  });

  test('works offline after the first pull, across a reload: versions, aliases, the manifest, files and tables', async ({ page, site, hubUrl }, info) => {
    const { key, seed } = await datasetProject(info);
    await seed('trips', FILES());
    await openSiteWithServiceWorker(page, site);
    const online = await inPage(page, hubUrl, key, null, async (op) => {
      const ds = await op.dataset('trips@current');
      let n = 0;
      for await (const _ of ds.files({ pageSize: 2 })) n++;
      const table = await ds.table('train.csv');
      return { n, rows: table.rows };
    });
    expect(online).toEqual({ n: 5, rows: 320 });

    await page.context().setOffline(true);
    await page.reload();
    await page.waitForFunction(() => 'Outpost' in window);
    const offline = await inPage(page, hubUrl, key, null, async (op) => {
      const pinned = await op.dataset('trips/1');
      const alias = await op.dataset('trips@current');
      const paths: string[] = [];
      for await (const f of alias.files()) paths.push(f.path);
      const table = await pinned.table('train.csv');
      const notPulled = await pinned.file('rows.jsonl').catch((e: any) => `${e.code}: ${e.message}`);
      const neverSeen = await op.dataset('trips@other').catch((e: any) => e.code);
      return { pinned: [pinned.ref, pinned.source], alias: [alias.ref, alias.source], paths, rows: table.rows, label: table.types.label, notPulled, neverSeen };
    });
    expect(offline).toEqual({
      pinned: ['trips/1', 'cache'],
      alias: ['trips/1', 'cache'],
      paths: ['big.bin', 'notes/readme.txt', 'rows.jsonl', 'rows.parquet', 'train.csv'],
      rows: 320,
      label: 'int64',
      notPulled: expect.stringMatching(/^offline: rows\.jsonl of trips\/1 is not cached on this device and could not be downloaded/),
      neverSeen: 'offline',
    });
    await page.context().setOffline(false);
  });

  test('reads CSV, JSONL and Parquet files as typed columns', async ({ page, site, hubUrl }, info) => {
    const { key, seed } = await datasetProject(info);
    await seed('cols', FILES());
    await openSite(page, site);
    const out = await inPage(page, hubUrl, key, null, async (op) => {
      const ds = await op.dataset('cols/1');
      const csv = await ds.table('train.csv');
      const jsonl = await ds.table('rows.jsonl');
      const parquet = await ds.table('rows.parquet');
      const notTable = await ds.table('notes/readme.txt').catch((e: any) => `${e.code}: ${e.message}`);
      return { csv: { format: csv.format, rows: csv.rows, types: csv.types, first: Object.keys(csv.columns).map((c) => csv.columns[c][0]) }, jsonl, parquet, notTable };
    });
    if ('code' in out) throw new Error(out.message);
    const train = finetuneDataset(320, { seed: 1, shifted: true });
    expect(out.csv.format).toBe('csv');
    expect(out.csv.rows).toBe(320);
    expect(out.csv.types).toEqual({ f0: 'float64', f1: 'float64', f2: 'float64', f3: 'float64', f4: 'float64', f5: 'float64', f6: 'float64', f7: 'float64', label: 'int64' });
    expect(out.csv.first).toEqual([...Array.from(train.x.data.subarray(0, 8)), train.labels[0]]);
    expect(out.jsonl).toEqual({ format: 'jsonl', rows: 2, columns: { id: [1, 2], name: ['ada', 'bob'], score: [0.5, null] }, types: { id: 'int64', name: 'string', score: 'float64' } });
    expect(out.parquet).toEqual({ format: 'parquet', rows: 2, columns: { id: [7, 8], ok: [true, false] }, types: { id: 'int64', ok: 'bool' } });
    expect(out.notTable).toBe('bad_request: notes/readme.txt of cols/1 is not a tabular file: table() reads .csv, .jsonl (.ndjson) and .parquet files');
  });

  test('fine-tunes on tensors() from a dataset, and the run lists the version as its training input', async ({ page, site, hubUrl, modelName }, info) => {
    const { api, key, seed } = await datasetProject(info);
    const version = await seed('train', FILES());
    await api.publish(modelName, 'tfjs-layers', finetuneBaseModelFiles(), 'production');
    await openSite(page, site);
    const out = await inPage(page, hubUrl, key, modelName, async (op, model) => {
      const ds = await op.dataset('train@current');
      const feeds = await ds.tensors('train.csv', { x: ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7'], y: 'label' });
      const ft = await op.finetune(`${model}@production`, { ...feeds, epochs: 8, batchSize: 16, learningRate: 0.05, trainable: 'head' });
      await op.flush();
      return { runId: ft.run.id, dims: [feeds.x.dims, feeds.y.dims], dataset: feeds.dataset, loss: ft.history.loss };
    });
    if ('code' in out) throw new Error(out.message);
    expect(out.dims).toEqual([[320, 8], [320, 1]]);
    expect(out.dataset).toBe('train/1');
    // The integer labels trained with the sparse loss, and it learned.
    expect(out.loss.at(-1)).toBeLessThan(out.loss[0] / 2);

    const { run } = await api.call('GET', `/v1/runs/${hubRunId(out.runId)}`);
    expect(run.params).toMatchObject({ dataset: 'train/1', loss: 'sparseCategoricalCrossentropy', samples: '320' });
    expect(run.inputs).toEqual([
      { dataset: expect.objectContaining({ name: 'train', digest: version.manifestDigest, sourceType: 'outpost', source: 'outpost://train/1' }), tags: { 'mlflow.data.context': 'training' } },
    ]);
    const lineage = await api.call('GET', '/v1/datasets/train/versions/1/lineage');
    expect(lineage.runs.map((r: { id: string }) => r.id)).toEqual([hubRunId(out.runId)]);
  });

  test('refuses publishable keys with unauthorized: datasets are read with secret keys', async ({ page, site, hubUrl }, info) => {
    const { api, seed } = await datasetProject(info);
    await seed('secret', { 'a.txt': text('a') });
    const pk = await api.publishableKey();
    await openSite(page, site);
    const out = await inPage(page, hubUrl, pk, null, async (op) => op.dataset('secret/1'));
    expect(out).toEqual({ code: 'unauthorized', message: 'dataset secret/1: publishable (pk_) keys cannot read datasets; connect with a secret key (sk_, role read or higher) to read them' });
    // The hub agrees: the route itself refuses a publishable key.
    const res = await fetch(`${hubUrl}/v1/datasets/secret/versions/1`, { headers: { Authorization: `Bearer ${pk}` } });
    expect(res.status).toBe(403);
  });

  test('upgrades a device database of version 3 in place, keeping its models and feature rows', async ({ page, site, hubUrl }, info) => {
    const { key, seed } = await datasetProject(info);
    await seed('upgrade', { 'a.txt': text('a') });
    await openSite(page, site);
    // Version 3 as the features runtime left it, holding a model blob and a feature row.
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('outpost-runtime', 3);
          open.onupgradeneeded = () => {
            const db = open.result;
            db.createObjectStore('manifests', { keyPath: 'key' }).createIndex('hub', 'hub');
            db.createObjectStore('blobs', { keyPath: 'digest' });
            db.createObjectStore('outbox', { keyPath: 'id' }).createIndex('hub', 'hub');
            db.createObjectStore('telemetry', { keyPath: 'key' }).createIndex('hub', 'hub');
            db.createObjectStore('features', { keyPath: 'key' }).createIndex('hub', 'hub');
            open.transaction!.objectStore('blobs').put({ digest: 'sha256:old', size: 1, data: new ArrayBuffer(1), storedAt: 1 });
            open.transaction!.objectStore('features').put({ key: 'old-row', hub: 'http://elsewhere.invalid' });
          };
          open.onsuccess = () => (open.result.close(), resolve());
          open.onerror = () => reject(open.error);
        }),
    );
    const read = await inPage(page, hubUrl, key, null, async (op) => new TextDecoder().decode(await (await op.dataset('upgrade/1')).file('a.txt')));
    expect(read).toBe('a');
    const after = await page.evaluate(
      () =>
        new Promise<{ version: number; stores: string[]; blob: boolean; row: boolean; datasetBlobs: number }>((resolve, reject) => {
          const open = indexedDB.open('outpost-runtime');
          open.onsuccess = () => {
            const db = open.result;
            const tx = db.transaction(['blobs', 'features', 'datasetBlobs']);
            const blob = tx.objectStore('blobs').get('sha256:old');
            const row = tx.objectStore('features').get('old-row');
            const datasetBlobs = tx.objectStore('datasetBlobs').count();
            tx.oncomplete = () => (db.close(), resolve({ version: db.version, stores: [...db.objectStoreNames], blob: Boolean(blob.result), row: Boolean(row.result), datasetBlobs: datasetBlobs.result }));
            tx.onerror = () => reject(tx.error);
          };
          open.onerror = () => reject(open.error);
        }),
    );
    expect(after).toEqual({
      version: 4,
      stores: ['blobs', 'datasetBlobs', 'datasetFiles', 'datasetVersions', 'features', 'manifests', 'outbox', 'telemetry'],
      blob: true,
      row: true,
      datasetBlobs: 1,
    });
  });
});
