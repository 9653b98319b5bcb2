import { createHash } from 'node:crypto';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect } from 'vitest';
import { linearModelOnnx } from '../../../hub/registry/onnx/write.js';
import { call, expectError, hub, randomBytes, sha256Hex, type TestProject } from '../../helpers/client.js';
import { test as it } from '../../helpers/fixtures.js';

type Entry = { path: string; digest: string; size: number };

/** Uploads bytes to the project; returns the manifest entry for them at `path`. */
async function upload(p: TestProject, path: string, bytes: Uint8Array<ArrayBuffer> | string): Promise<Entry> {
  const body = typeof bytes === 'string' ? (new TextEncoder().encode(bytes) as Uint8Array<ArrayBuffer>) : bytes;
  const digest = `sha256:${await sha256Hex(body)}`;
  const r = await call(`/v1/blobs/${digest}`, { key: p.keys.write, method: 'PUT', body });
  expect(r.status, r.text).toBeLessThan(300);
  return { path, digest, size: body.byteLength };
}

/** What the hub must answer as a version's manifest digest: sha256 over the sorted `path\tdigest\tsize\n` lines. */
const manifestDigest = (files: Entry[]) =>
  `sha256:${createHash('sha256')
    .update([...files].sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => `${f.path}\t${f.digest}\t${f.size}\n`).join(''))
    .digest('hex')}`;

const register = (p: TestProject, name: string, json: unknown, key = p.keys.write) => call(`/v1/datasets/${name}/versions`, { key, json });
const get = (p: TestProject, path: string) => call(path, { key: p.keys.read });
const fakeDigest = (i: number) => `sha256:${createHash('sha256').update(`missing-${i}-${Math.random()}`).digest('hex')}`;

async function allPages<T>(first: string, pick: (body: any) => T[], p: TestProject): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let after: string | null = '';
  let pages = 0;
  while (after !== null) {
    const r = await get(p, `${first}${first.includes('?') ? '&' : '?'}after=${encodeURIComponent(after)}`);
    expect(r.status, r.text).toBe(200);
    items.push(...pick(r.body));
    after = r.body.next;
    pages++;
  }
  return { items, pages };
}

describe(`dataset versions (${hub.runtime})`, () => {
  it('registers a version, reads it by number, alias and latest, and makes no new version for the same manifest', async ({ project: p }) => {
    const files = [await upload(p, 'train/a.csv', 'x,y\n1,2\n'), await upload(p, 'train/b.csv', 'x,y\n3,4\n'), await upload(p, 'README.md', '# data')];
    const first = await register(p, 'train', { files, message: 'first cut', tags: { source: 'test' } });
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({ created: true, unchanged: false, version: { dataset: 'train', version: 1, ref: 'train/1', parentVersion: null, files: 3, message: 'first cut', tags: { source: 'test' } } });
    expect(first.body.version.manifestDigest).toBe(manifestDigest(files));
    expect(first.body.version.bytes).toBe(files.reduce((n, f) => n + f.size, 0));

    // The same manifest again, in another order (a retry, or a push of an unchanged folder): no version 2.
    const again = await register(p, 'train', { files: [...files].reverse() });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, unchanged: true, version: { version: 1 } });

    const second = await register(p, 'train', { files: files.slice(0, 2), message: 'no readme' });
    expect(second.body.version).toMatchObject({ version: 2, parentVersion: 1, files: 2 });
    expect((await call('/v1/datasets/train/aliases/current', { key: p.keys.write, method: 'PUT', json: { version: 1 } })).body).toMatchObject({ version: 1, aliases: ['current'] });
    expect((await get(p, '/v1/datasets/train/versions/current')).body.version).toBe(1);
    expect((await get(p, '/v1/datasets/train/versions/latest')).body.version).toBe(2);
    expect((await get(p, '/v1/datasets/train/versions/2')).body.manifestDigest).toBe(manifestDigest(files.slice(0, 2)));
    expect((await get(p, '/v1/datasets/train')).body).toMatchObject({ name: 'train', versions: 2, aliases: { current: 1 }, latest: { version: 2 } });
    expect((await get(p, '/v1/datasets')).body.datasets.map((d: { name: string }) => d.name)).toEqual(['train']);
    const listed = await get(p, '/v1/datasets/train/versions?limit=1');
    expect(listed.body.versions.map((v: { version: number }) => v.version)).toEqual([2]);
    expect((await get(p, `/v1/datasets/train/versions?limit=1&before=${listed.body.next}`)).body.versions[0].version).toBe(1);

    expectError(await get(p, '/v1/datasets/train/versions/prod'), 404, 'not_found');
    expect((await get(p, '/v1/datasets/train/versions/prod')).body.error.message).toBe('dataset "train" has no alias "prod" (aliases: current)');
    expectError(await get(p, '/v1/datasets/train/versions/9'), 404, 'not_found');
    expectError(await call('/v1/datasets/train/aliases/7', { key: p.keys.write, method: 'PUT', json: { version: 1 } }), 400, 'validation_failed');
    expectError(await register(p, 'train', { files }, p.keys.read), 403, 'forbidden');
    expect((await call('/v1/datasets/train/aliases/current', { key: p.keys.write, method: 'DELETE' })).status).toBe(200);
    expectError(await get(p, '/v1/datasets/train/versions/current'), 404, 'not_found');
  });

  it('keeps a file\'s md5 (DVC\'s name for it) with its entry, out of the manifest digest, and refuses one that is not an md5', async ({ project: p }) => {
    const a = await upload(p, 'a.txt', 'meow');
    const b = await upload(p, 'b.txt', 'woof');
    const md5 = createHash('md5').update('meow').digest('hex');
    const first = await register(p, 'dvc', { files: [{ ...a, md5 }, b] });
    expect(first.status, first.text).toBe(201);
    expect(first.body.version.manifestDigest).toBe(manifestDigest([a, b]));
    expect((await get(p, '/v1/datasets/dvc/versions/1/files')).body.files).toEqual([{ ...a, md5 }, b]);
    // Without the md5 it is the same manifest: no new version.
    expect((await register(p, 'dvc', { files: [a, b] })).body).toMatchObject({ created: false, unchanged: true });
    const bad = await register(p, 'dvc', { files: [{ ...a, md5: 'MEOW' }] });
    expectError(bad, 400, 'validation_failed');
    expect(bad.body.error.message).toBe('invalid request body: files.0.md5: must be 32 lowercase hex characters (an md5)');
  });

  it('refuses a manifest with a bad or repeated path, naming it, and stores nothing', async ({ project: p }) => {
    const ok = await upload(p, 'ok.txt', 'ok');
    for (const [path, why] of [
      ['/etc/passwd', 'is absolute'],
      ['a\\b.txt', 'has a backslash'],
      ['a/../b.txt', 'has a ".." name'],
      ['a//b.txt', 'has an empty name'],
      ['dir/', 'has an empty name'],
      ['./x', 'has a "." name'],
    ] as const) {
      const r = await register(p, 'bad', { files: [ok, { ...ok, path }] });
      expectError(r, 400, 'bad_request');
      expect(r.body.error.message).toContain(`files[1].path ${JSON.stringify(path)} ${why}`);
      expect(r.body.error.details).toEqual({ path, index: 1 });
    }
    const twice = await register(p, 'bad', { files: [ok, { ...ok, digest: ok.digest }] });
    expect(twice.body.error.message).toBe('files[1].path "ok.txt" appears twice in the manifest');
    const empty = await register(p, 'bad', { files: [{ ...ok, path: '' }] });
    expectError(empty, 400, 'validation_failed');
    expect(empty.body.error.message).toContain('files.0.path');
    const digest = await register(p, 'bad', { files: [{ ...ok, digest: 'md5:abc' }] });
    expect(digest.body.error.message).toContain('files.0.digest');
    expect((await register(p, 'bad', { files: [{ ...ok, size: -1 }] })).body.error.message).toContain('files.0.size');
    expectError(await register(p, 'bad!', { files: [ok] }), 400, 'validation_failed');
    expectError(await get(p, '/v1/datasets/bad'), 404, 'not_found');
  });

  it('answers 409 listing the blobs a version lacks, and commits once they are uploaded; a retried commit answers the same version', async ({ project: p }) => {
    const here = await upload(p, 'here.bin', randomBytes(100));
    const lateA = randomBytes(64);
    const lateB = randomBytes(65);
    const a = { path: 'late/a.bin', digest: `sha256:${await sha256Hex(lateA)}`, size: 64 };
    const b = { path: 'late/b.bin', digest: `sha256:${await sha256Hex(lateB)}`, size: 65 };
    const w = p.keys.write;

    const refused = await register(p, 'late', { files: [here, a, b] });
    expectError(refused, 409, 'conflict');
    expect(refused.body.error.details).toEqual({ missing: [a.digest, b.digest].sort(), count: 2 });
    expectError(await get(p, '/v1/datasets/late'), 404, 'not_found');

    expect((await call('/v1/datasets/late/drafts/push-0001', { key: w, method: 'PUT', json: { message: 'late files' } })).body).toMatchObject({ id: 'push-0001', files: 0, committedVersion: null });
    expect((await call('/v1/datasets/late/drafts/push-0001/files', { key: w, json: { files: [here, a, b] } })).body).toEqual({ received: 3, files: 3 });
    const missing = await call('/v1/datasets/late/drafts/push-0001/commit', { key: w, method: 'POST' });
    expectError(missing, 409, 'conflict');
    expect(missing.body.error.details.missing).toEqual([a.digest, b.digest].sort());
    await upload(p, a.path, lateA);
    expect((await call('/v1/datasets/late/drafts/push-0001/commit', { key: w, method: 'POST' })).body.error.details).toEqual({ missing: [b.digest], count: 1 });
    await upload(p, b.path, lateB);
    const done = await call('/v1/datasets/late/drafts/push-0001/commit', { key: w, method: 'POST' });
    expect(done.status, done.text).toBe(201);
    expect(done.body.version).toMatchObject({ version: 1, files: 3, message: 'late files' });
    const retried = await call('/v1/datasets/late/drafts/push-0001/commit', { key: w, method: 'POST' });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ created: false, version: { version: 1 } });
    expectError(await call('/v1/datasets/late/drafts/push-0001/files', { key: w, json: { files: [here] } }), 409, 'conflict');
    // A size the blob does not have is refused naming the path.
    await call('/v1/datasets/late/drafts/push-0002', { key: w, method: 'PUT', json: {} });
    await call('/v1/datasets/late/drafts/push-0002/files', { key: w, json: { files: [{ ...here, size: 99 }] } });
    const wrong = await call('/v1/datasets/late/drafts/push-0002/commit', { key: w, method: 'POST' });
    expectError(wrong, 400, 'bad_request');
    expect(wrong.body.error.message).toBe('files: path "here.bin" says size 99, but its blob has 100 bytes');
    expectError(await call('/v1/datasets/late/drafts/x', { key: w, method: 'PUT', json: {} }), 400, 'validation_failed');
  });

  it('answers which of up to 1000 digests the project lacks, counting bytes only other projects hold as missing', async ({ project: p }) => {
    const mine = await upload(p, 'm', randomBytes(10));
    const digests = [mine.digest, ...Array.from({ length: 999 }, (_, i) => fakeDigest(i))];
    const r = await call('/v1/blobs/missing', { key: p.keys.write, json: { digests } });
    expect(r.status, r.text).toBe(200);
    expect(r.body.missing).toEqual(digests.slice(1));
    const tooMany = await call('/v1/blobs/missing', { key: p.keys.write, json: { digests: [...digests, fakeDigest(1000)] } });
    expectError(tooMany, 400, 'validation_failed');
    expect(tooMany.body.error.message).toContain('at most 1000 digests');
    expect((await call('/v1/blobs/missing', { key: p.keys.write, json: { digests: ['sha256:nope'] } })).body.error.message).toContain('digests.0');
  });

  it('registers a manifest of 25,000 files in pages and reads it back in pages by path', async ({ project: p }) => {
    const blobs = [await upload(p, 'x', 'one'), await upload(p, 'x', 'two'), await upload(p, 'x', 'three')];
    const files: Entry[] = Array.from({ length: 25_000 }, (_, i) => ({ ...blobs[i % 3]!, path: `shard-${i % 7}/file-${String(i).padStart(6, '0')}.bin` }));
    const w = p.keys.write;
    await call('/v1/datasets/big/drafts/big-push-1', { key: w, method: 'PUT', json: { message: 'big' } });
    // Pages of 3,000 entries: the test hub caps bodies at 512 KB (OUTPOST_MAX_BODY); the route takes up to 10,000.
    for (let i = 0; i < files.length; i += 3000) {
      const r = await call('/v1/datasets/big/drafts/big-push-1/files', { key: w, json: { files: files.slice(i, i + 3000) } });
      expect(r.status, r.text).toBe(200);
    }
    // A page sent again (a retry) adds nothing.
    expect((await call('/v1/datasets/big/drafts/big-push-1/files', { key: w, json: { files: files.slice(0, 3000) } })).body).toEqual({ received: 3000, files: 25_000 });
    const clash = await call('/v1/datasets/big/drafts/big-push-1/files', { key: w, json: { files: [{ ...files[5]!, digest: blobs[0]!.digest === files[5]!.digest ? blobs[1]!.digest : blobs[0]!.digest }] } });
    expect(clash.body.error.message).toContain(`path "${files[5]!.path}" is already in the draft`);
    const committed = await call('/v1/datasets/big/drafts/big-push-1/commit', { key: w, method: 'POST' });
    expect(committed.status, committed.text).toBe(201);
    expect(committed.body.version).toMatchObject({ files: 25_000, manifestDigest: manifestDigest(files) });

    const { items, pages } = await allPages('/v1/datasets/big/versions/1/files?limit=10000', (b) => b.files, p);
    expect(pages).toBe(3);
    expectError(await get(p, '/v1/datasets/big/versions/1/files?limit=10001'), 400, 'validation_failed');
    expect(items).toEqual([...files].sort((a, b) => (a.path < b.path ? -1 : 1)));
  }, 60_000);

  it('diffs two versions: added, deleted, modified and renamed (same digest, new path), a page at a time', async ({ project: p }) => {
    const [a, b, c, d, x, e] = await Promise.all(['a', 'b', 'c', 'd', 'b2', 'e'].map((s) => upload(p, `${s}.txt`, `content ${s}`)));
    await register(p, 'dd', { files: [a!, b!, c!, d!] });
    await register(p, 'dd', { files: [a!, { ...x!, path: 'b.txt' }, { ...c!, path: 'moved/c.txt' }, e!] });
    const { items, pages } = await allPages('/v1/datasets/dd/versions/2/diff?against=1&limit=2', (body) => [body], p);
    expect(pages).toBe(2);
    const merged = (k: string) => items.flatMap((page: any) => page[k]);
    expect(items[0]).toMatchObject({ from: 'dd/1', to: 'dd/2' });
    expect(merged('added')).toEqual([{ path: 'e.txt', digest: e!.digest, size: e!.size }]);
    expect(merged('deleted')).toEqual([{ path: 'd.txt', digest: d!.digest, size: d!.size }]);
    expect(merged('modified')).toEqual([{ path: 'b.txt', digest: x!.digest, size: x!.size, old: { digest: b!.digest, size: b!.size } }]);
    expect(merged('renamed')).toEqual([{ path: { old: 'c.txt', new: 'moved/c.txt' }, digest: c!.digest, size: c!.size }]);
    // Against a ref, the other way round: the rename runs back.
    const back = await get(p, '/v1/datasets/dd/versions/1/diff?against=dd/2');
    expect(back.body).toMatchObject({ from: 'dd/2', to: 'dd/1', added: [{ path: 'd.txt' }], deleted: [{ path: 'e.txt' }], renamed: [{ path: { old: 'moved/c.txt', new: 'c.txt' } }], next: null });
    expect((await get(p, '/v1/datasets/dd/versions/1/diff?against=1')).body).toMatchObject({ added: [], deleted: [], modified: [], renamed: [] });
    expectError(await get(p, '/v1/datasets/dd/versions/1/diff'), 400, 'validation_failed');
    expectError(await get(p, '/v1/datasets/dd/versions/1/diff?against=nope/1'), 404, 'not_found');
  });

  it('pairs several paths of one digest as renames in path order, and a path whose bytes changed as modified', async ({ project: p }) => {
    const [same, y, y2] = await Promise.all([upload(p, 'x', 'same bytes'), upload(p, 'y', 'y'), upload(p, 'y', 'y, longer')]);
    await register(p, 'dup', { files: ['x1', 'x2', 'keep'].map((path) => ({ ...same!, path })).concat(y!) });
    await register(p, 'dup', { files: ['keep', 'z1', 'z2', 'z3'].map((path) => ({ ...same!, path })).concat(y2!) });
    const r = await get(p, '/v1/datasets/dup/versions/2/diff?against=1');
    expect(r.body).toMatchObject({
      added: [{ path: 'z3' }],
      deleted: [],
      modified: [{ path: 'y', digest: y2!.digest, size: y2!.size, old: { digest: y!.digest, size: y!.size } }],
      renamed: [{ path: { old: 'x1', new: 'z1' } }, { path: { old: 'x2', new: 'z2' } }],
      next: null,
    });
  });

  it('computes the schema and statistics of CSV and Parquet files, and an error for one that does not parse', async ({ project: p }) => {
    const csv = await upload(p, 'tables/scores.csv', 'id,score,name,flag\n1,0.5,a,true\n2,,b,false\n3,1.5,a,true\n');
    const parquet = await upload(
      p,
      'tables/rows.parquet',
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'n', data: [10n, 20n, 30n, 40n], type: 'INT64' },
            { name: 'w', data: [0.25, null, 0.75, 1], type: 'DOUBLE' },
            { name: 's', data: ['x', 'y', 'x', 'z'], type: 'STRING' },
          ],
        }),
      ) as Uint8Array<ArrayBuffer>,
    );
    const broken = await upload(p, 'tables/broken.parquet', 'not parquet at all');
    const text = await upload(p, 'notes.txt', 'hello');
    expect((await register(p, 'tab', { files: [csv, parquet, broken, text] })).status).toBe(201);
    const stats = (path: string) => get(p, `/v1/datasets/tab/versions/1/stats?path=${encodeURIComponent(path)}`);

    const c = await stats('tables/scores.csv');
    expect(c.status, c.text).toBe(200);
    expect(c.body).toMatchObject({ path: 'tables/scores.csv', digest: csv.digest, format: 'csv', rows: 3, error: null });
    expect(c.body.columns).toEqual([
      { name: 'id', type: 'int64', nulls: 0, min: 1, max: 3, mean: 2, distinct: 3 },
      { name: 'score', type: 'float64', nulls: 1, min: 0.5, max: 1.5, mean: 1, distinct: 2 },
      { name: 'name', type: 'string', nulls: 0, min: 'a', max: 'b', mean: null, distinct: 2 },
      { name: 'flag', type: 'bool', nulls: 0, min: false, max: true, mean: null, distinct: 2 },
    ]);
    const q = await stats('tables/rows.parquet');
    expect(q.body).toMatchObject({ format: 'parquet', rows: 4, error: null });
    expect(q.body.columns).toEqual([
      { name: 'n', type: 'int64', nulls: 0, min: 10, max: 40, mean: 25, distinct: 4 },
      { name: 'w', type: 'float64', nulls: 1, min: 0.25, max: 1, mean: 2 / 3, distinct: 3 },
      { name: 's', type: 'string', nulls: 0, min: 'x', max: 'z', mean: null, distinct: 3 },
    ]);
    expect((await stats('tables/rows.parquet')).body).toEqual(q.body);
    const bad = await stats('tables/broken.parquet');
    expect(bad.status).toBe(200);
    expect(bad.body).toMatchObject({ rows: null, columns: [] });
    expect(bad.body.error).toMatch(/^could not read the file as parquet: /);
    expectError(await stats('notes.txt'), 400, 'bad_request');
    expectError(await stats('tables/none.csv'), 404, 'not_found');
  });

  it('previews the first rows of CSV, JSONL and Parquet files as JSON-safe cells, and says why a file cannot be read', async ({ project: p }) => {
    const csv = await upload(p, 'scores.csv', 'id,score,name\n1,0.5,"a, b"\n2,,c\n3,1.5,d\n');
    const jsonl = await upload(p, 'rows.jsonl', '{"a":1,"tags":["x"]}\n{"a":2,"b":"only here"}\n');
    const parquet = await upload(
      p,
      'rows.parquet',
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'n', data: Array.from({ length: 250 }, (_, i) => (i === 0 ? 2n ** 60n : BigInt(i))), type: 'INT64' },
            { name: 's', data: Array.from({ length: 250 }, (_, i) => (i === 1 ? 'x'.repeat(600) : `row ${i}`)), type: 'STRING' },
          ],
          rowGroupSize: 100,
        }),
      ) as Uint8Array<ArrayBuffer>,
    );
    const broken = await upload(p, 'broken.csv', 'a,b\n1\n');
    const text = await upload(p, 'notes.txt', 'hello');
    expect((await register(p, 'pre', { files: [csv, jsonl, parquet, broken, text] })).status).toBe(201);
    const preview = (path: string, limit?: number) => get(p, `/v1/datasets/pre/versions/1/preview?path=${encodeURIComponent(path)}${limit ? `&limit=${limit}` : ''}`);

    const c = await preview('scores.csv', 2);
    expect(c.status, c.text).toBe(200);
    expect(c.body).toEqual({ path: 'scores.csv', digest: csv.digest, format: 'csv', columns: ['id', 'score', 'name'], rows: [['1', '0.5', 'a, b'], ['2', null, 'c']], total: 3, error: null });
    expect((await preview('rows.jsonl')).body).toMatchObject({ columns: ['a', 'tags', 'b'], rows: [[1, ['x'], null], [2, null, 'only here']], total: 2, error: null });
    const q = await preview('rows.parquet', 3);
    expect(q.body).toMatchObject({ format: 'parquet', columns: ['n', 's'], total: 250, error: null });
    expect(q.body.rows).toEqual([[String(2n ** 60n), 'row 0'], [1, `${'x'.repeat(499)}…`], [2, 'row 2']]);
    expect((await preview('rows.parquet')).body.rows).toHaveLength(20);
    expect((await preview('rows.parquet', 100)).body.rows.at(-1)).toEqual([99, 'row 99']);

    const bad = await preview('broken.csv');
    expect(bad.status).toBe(200);
    expect(bad.body).toMatchObject({ columns: [], rows: [], total: null, error: 'could not read the file as csv: CSV row 2 has 1 cells, the header 2' });
    expect((await get(p, '/v1/datasets/pre/versions/1/preview?path=notes.txt')).body.error.message).toMatch(/^path "notes.txt" is not a tabular file/);
    expectError(await preview('notes.txt'), 400, 'bad_request');
    expectError(await preview('none.csv'), 404, 'not_found');
    expectError(await preview('scores.csv', 101), 400, 'validation_failed');
    expectError(await get(p, '/v1/datasets/pre/versions/1/preview'), 400, 'validation_failed');
  });

  it('lists a folder with its totals and each child folder\'s file count and bytes, a page at a time', async ({ project: p }) => {
    const f = (path: string, text: string) => upload(p, path, text);
    const files = [
      await f('README.md', '# r'),
      await f('images/a/1.png', '1111'),
      await f('images/a/2.png', '22'),
      await f('images/b.png', 'bbb'),
      await f('images.txt', 'list'),
      await f('images0/x', 'x'),
      await f('labels/train.csv', 'y\n1\n'),
    ];
    expect((await register(p, 'tree', { files })).status).toBe(201);
    const folder = (query: string) => get(p, `/v1/datasets/tree/versions/1/tree?${query}`);

    const root = await folder('');
    expect(root.status, root.text).toBe(200);
    expect(root.body).toEqual({
      path: '',
      files: 7,
      bytes: files.reduce((n, x) => n + x.size, 0),
      entries: [
        { name: 'README.md', kind: 'file', files: 1, bytes: 3, digest: files[0]!.digest },
        { name: 'images', kind: 'folder', files: 3, bytes: 9, digest: null },
        { name: 'images.txt', kind: 'file', files: 1, bytes: 4, digest: files[4]!.digest },
        { name: 'images0', kind: 'folder', files: 1, bytes: 1, digest: null },
        { name: 'labels', kind: 'folder', files: 1, bytes: 4, digest: null },
      ],
      next: null,
    });
    // Only what is under images/: not images.txt or images0/, which sort beside it.
    const images = await folder('path=images&limit=1');
    expect(images.body).toMatchObject({ path: 'images', files: 3, bytes: 9, entries: [{ name: 'a', kind: 'folder', files: 2, bytes: 6 }], next: 'a/' });
    expect((await folder(`path=images&limit=1&after=${encodeURIComponent(images.body.next)}`)).body).toMatchObject({ entries: [{ name: 'b.png', kind: 'file', bytes: 3 }], next: null });
    expect((await folder('path=images/a')).body.entries.map((e: { name: string }) => e.name)).toEqual(['1.png', '2.png']);

    expectError(await folder('path=nothing'), 404, 'not_found');
    expectError(await folder('path=images/'), 400, 'bad_request');
    expectError(await folder('path=README.md'), 404, 'not_found');
  });

  it('links runs that read a version, through MLflow log-inputs and the native API, and lists the model versions made from them, which name it back', async ({ project: p }) => {
    const w = p.keys.write;
    const f = await upload(p, 'data.csv', 'a\n1\n');
    const version = (await register(p, 'lin', { files: [f] })).body.version;
    await call('/v1/datasets/lin/aliases/current', { key: w, method: 'PUT', json: { version: 1 } });
    const mlflowRun = async () => (await call('/api/2.0/mlflow/runs/create', { key: w, json: { experiment_id: '0', start_time: Date.now() } })).body.run.info.run_id as string;
    const [bySource, byDigest, unrelated] = [await mlflowRun(), await mlflowRun(), await mlflowRun()];
    const input = (dataset: Record<string, string>) => ({ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: { name: 'lin', source_type: 'outpost', ...dataset } });
    const log = (run: string, dataset: Record<string, string>) => call('/api/2.0/mlflow/runs/log-inputs', { key: w, json: { run_id: run, datasets: [input(dataset)] } });
    expect((await log(bySource, { digest: 'abc', source: '{"uri": "outpost://lin/1"}' })).status).toBe(200);
    expect((await log(byDigest, { digest: version.manifestDigest.slice('sha256:'.length, 'sha256:'.length + 32), source: 's3://elsewhere' })).status).toBe(200);
    expect((await log(unrelated, { digest: 'abc', source: 'outpost://lin/9' })).status).toBe(200);

    const experiment = (await call('/v1/experiments', { key: w, json: { name: `lin-${Date.now()}` } })).body.experiment.id;
    const native = (await call('/v1/runs', { key: w, json: { experimentId: experiment, name: 'native' } })).body.run.id;
    const logged = await call(`/v1/runs/${native}/datasets`, { key: w, json: { datasets: [{ ref: 'lin@current', context: 'eval' }] } });
    expect(logged.body).toEqual({ datasets: [{ ref: 'lin/1', manifestDigest: version.manifestDigest }] });
    expect((await call(`/v1/runs/${native}/datasets`, { key: w, json: { datasets: [{ ref: 'lin/1' }] } })).status).toBe(200);
    expect((await get(p, `/v1/runs/${native}`)).body.run.inputs).toEqual([
      { dataset: { name: 'lin', digest: version.manifestDigest, sourceType: 'outpost', source: 'outpost://lin/1', schema: null, profile: null }, tags: { 'mlflow.data.context': 'eval' } },
    ]);
    expectError(await call(`/v1/runs/${native}/datasets`, { key: w, json: { datasets: [{ ref: 'lin/5' }] } }), 404, 'not_found');
    expectError(await call(`/v1/runs/${native}/datasets`, { key: w, json: { datasets: [{ ref: 'bad ref' }] } }), 400, 'bad_request');

    const onnx = linearModelOnnx({ inputSize: 2, outputSize: 1, seed: 3 }) as Uint8Array<ArrayBuffer>;
    const model = await upload(p, 'model.onnx', onnx);
    expect((await call('/v1/models', { key: w, json: { name: 'lin-model' } })).status).toBe(201);
    const made = await call('/v1/models/lin-model/versions', { key: w, json: { format: 'onnx', files: [model], runId: bySource } });
    expect(made.status, made.text).toBe(201);
    expect(made.body.version.datasets).toEqual(['lin/1']);
    expect((await get(p, '/v1/models/lin-model/versions/1')).body.version.datasets).toEqual(['lin/1']);
    expect((await get(p, '/v1/models/lin-model/versions')).body.versions.map((v: { datasets: string[] }) => v.datasets)).toEqual([['lin/1']]);

    const lineage = await get(p, '/v1/datasets/lin/versions/1/lineage');
    expect(lineage.status, lineage.text).toBe(200);
    expect(lineage.body.runs.map((r: { id: string }) => r.id).sort()).toEqual([bySource, byDigest, native].sort());
    expect(lineage.body.modelVersions).toEqual([{ model: 'lin-model', version: 1, sourceRunId: bySource }]);
  });
});
