import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect } from 'vitest';
import { linearModelOnnx } from '../../../hub/registry/onnx/write.js';
import { call, expectError, hub, sha256Hex, type TestProject } from '../../helpers/client.js';
import { BASE, featureDocument, S } from '../../helpers/features.js';
import { test } from '../../helpers/fixtures.js';

const it = test.extend<{ p: TestProject }>({
  p: async ({ project: p }, use) => {
    expect((await call('/v1/features/apply', { key: p.keys.write, json: featureDocument() })).status).toBe(200);
    await use(p);
  },
});

async function uploadBlob(p: TestProject, bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = `sha256:${await sha256Hex(bytes)}`;
  const put = await call(`/v1/blobs/${digest}`, { key: p.keys.write, method: 'PUT', body: bytes });
  if (put.status >= 300) throw new Error(put.text);
  return digest;
}
const text = (s: string) => new TextEncoder().encode(s) as Uint8Array<ArrayBuffer>;

/** featureDocument() plus a view fed by a table file. */
function withFileView(file: string, format: 'csv' | 'jsonl' | 'parquet') {
  const doc = featureDocument() as ReturnType<typeof featureDocument> & { feature_views: unknown[] };
  doc.feature_views.push({
    name: 'driver_daily',
    entities: ['driver'],
    ttl: 0,
    created_timestamp_column: 'created',
    schema: [
      { name: 'rating', dtype: 'float64' },
      { name: 'active', dtype: 'bool' },
      { name: 'note', dtype: 'string' },
    ],
    source: { file, format },
  });
  return doc;
}

const apply = (p: TestProject, json: unknown) => call('/v1/features/apply', { key: p.keys.write, json });
const historical = (p: TestProject, json: unknown) => call('/v1/features/historical', { key: p.keys.read, json });
const dailyAt = (p: TestProject, ids: number[], t: number) =>
  historical(p, { entities: { driver_id: ids, event_timestamp: ids.map(() => t) }, features: ['driver_daily:rating', 'driver_daily:active', 'driver_daily:note'] });

/** The same three rows in each format: driver 1 twice (the later one wins), driver 2 once, with a quoted comma. */
const ROWS = [
  { driver_id: 1, event_timestamp: BASE, created: BASE, rating: 4.5, active: true, note: 'first' },
  { driver_id: 1, event_timestamp: BASE + 10 * S, created: BASE + 10 * S, rating: 4.8, active: false, note: 'a, "quoted" note' },
  { driver_id: 2, event_timestamp: BASE + 5 * S, created: BASE + 5 * S, rating: 3.9, active: true, note: '' },
];
const csv = () =>
  'driver_id,event_timestamp,created,rating,active,note\n' +
  ROWS.map((r) => [r.driver_id, new Date(r.event_timestamp).toISOString(), r.created, r.rating, r.active, `"${r.note.replace(/"/g, '""')}"`].join(',')).join('\r\n') +
  '\n';
const jsonl = () => ROWS.map((r) => JSON.stringify(r)).join('\n');
const parquet = () =>
  new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'driver_id', data: ROWS.map((r) => BigInt(r.driver_id)), type: 'INT64' },
        { name: 'event_timestamp', data: ROWS.map((r) => new Date(r.event_timestamp)), type: 'TIMESTAMP' },
        { name: 'created', data: ROWS.map((r) => new Date(r.created)), type: 'TIMESTAMP' },
        { name: 'rating', data: ROWS.map((r) => r.rating), type: 'DOUBLE' },
        { name: 'active', data: ROWS.map((r) => r.active), type: 'BOOLEAN' },
        { name: 'note', data: ROWS.map((r) => r.note), type: 'STRING' },
      ],
    }),
  ) as Uint8Array<ArrayBuffer>;

describe(`feature store files, training sets and lineage (${hub.runtime})`, () => {
  for (const [format, bytes] of [
    ['csv', csv],
    ['jsonl', jsonl],
    ['parquet', parquet],
  ] as const) {
    it(`loads a ${format} table file into a view's offline store, once`, async ({ p }) => {
      const data = typeof bytes() === 'string' ? text(bytes() as string) : (bytes() as Uint8Array<ArrayBuffer>);
      const file = await uploadBlob(p, data);
      const first = await apply(p, withFileView(file, format));
      expect(first.status).toBe(200);
      expect(first.body.loaded).toEqual([{ view: 'driver_daily', file, rows: 3 }]);
      const read = await dailyAt(p, [1, 2, 3], BASE + 60 * S);
      expect(read.body.columns).toMatchObject({ rating: [4.8, 3.9, null], active: [false, true, null], note: ['a, "quoted" note', '', null] });
      // Point in time: before the second row of driver 1, the first answers.
      expect((await dailyAt(p, [1], BASE + 9 * S)).body.columns.rating).toEqual([4.5]);
      // The same document again loads nothing and changes nothing.
      const again = await apply(p, withFileView(file, format));
      expect(again.body.loaded).toEqual([]);
      expect(again.body.unchanged.feature_views).toContain('driver_daily');
      expect((await call('/v1/features/views/driver_daily', { key: p.keys.read })).body.stats).toMatchObject({ offline_rows: 3, newest_event_ts: BASE + 10 * S });
    });
  }

  it('refuses a bad file whole, naming the view, column and row, and keeps what was stored', async ({ p }) => {
    const good = await uploadBlob(p, text(csv()));
    expect((await apply(p, withFileView(good, 'csv'))).status).toBe(200);
    const bad = await uploadBlob(p, text('driver_id,event_timestamp,created,rating\n1,2023-01-01T00:00:00Z,1,4.5\nseven,2023-01-01T00:00:00Z,1,4.0\n'));
    const refused = await apply(p, withFileView(bad, 'csv'));
    expectError(refused, 400, 'bad_request');
    expect(refused.body.error.message).toMatch(/^feature_views\.driver_daily\.source\.file \(csv\): df\.driver_id\[1\]: "seven" is not a join key of type int64/);
    const unknownColumn = await uploadBlob(p, text('{"driver_id":1,"event_timestamp":1,"created":1,"speed":3}\n'));
    expect((await apply(p, withFileView(unknownColumn, 'jsonl'))).body.error.message).toContain('df.speed: not a column of feature view "driver_daily"');
    const notParquet = await uploadBlob(p, text('PAR1 but not really'));
    expect((await apply(p, withFileView(notParquet, 'parquet'))).body.error.message).toContain('not a Parquet file');
    // The view still holds the good file's rows and definition.
    expect((await dailyAt(p, [1], BASE + 60 * S)).body.columns.rating).toEqual([4.8]);
    const view = (await call('/v1/features/views/driver_daily', { key: p.keys.read })).body;
    expect(view.source).toEqual({ file: good, format: 'csv' });
    // A file the project never uploaded is a 409 listing it.
    const missing = `sha256:${'0'.repeat(64)}`;
    const notUploaded = await apply(p, withFileView(missing, 'csv'));
    expectError(notUploaded, 409, 'conflict');
    expect(notUploaded.body.error.message).toContain(missing);
  });

  it('loads a view from a file in a dataset version, again when its alias moves, and names what is wrong', async ({ p }) => {
    const first = text(csv());
    const second = text(csv().replace('4.8', '4.9'));
    const version = async (bytes: Uint8Array<ArrayBuffer>) => {
      const digest = await uploadBlob(p, bytes);
      const made = await call('/v1/datasets/rides/versions', { key: p.keys.write, json: { files: [{ path: 'daily/stats.csv', digest, size: bytes.byteLength }] } });
      expect(made.status, made.text).toBe(201);
      return { digest, version: made.body.version.version as number };
    };
    const v1 = await version(first);
    expect((await call('/v1/datasets/rides/aliases/current', { key: p.keys.write, method: 'PUT', json: { version: v1.version } })).status).toBe(200);
    const fromDataset = (dataset: string, path = 'daily/stats.csv') => {
      const doc = withFileView(`sha256:${'0'.repeat(64)}`, 'csv');
      (doc.feature_views.at(-1) as { source: unknown }).source = { dataset, path };
      return doc;
    };
    const loaded = await apply(p, fromDataset('rides@current'));
    expect(loaded.status, loaded.text).toBe(200);
    expect(loaded.body.loaded).toEqual([{ view: 'driver_daily', file: v1.digest, rows: 3 }]);
    expect((await dailyAt(p, [1], BASE + 60 * S)).body.columns.rating).toEqual([4.8]);
    expect((await apply(p, fromDataset('rides@current'))).body.loaded).toEqual([]);
    // The alias moves: the same document loads the file it points to now.
    const v2 = await version(second);
    expect((await call('/v1/datasets/rides/aliases/current', { key: p.keys.write, method: 'PUT', json: { version: v2.version } })).status).toBe(200);
    expect((await apply(p, fromDataset('rides@current'))).body.loaded).toEqual([{ view: 'driver_daily', file: v2.digest, rows: 3 }]);
    expect((await dailyAt(p, [1], BASE + 60 * S)).body.columns.rating).toEqual([4.9]);
    expect((await call('/v1/features/views/driver_daily', { key: p.keys.read })).body.source).toEqual({ dataset: 'rides@current', path: 'daily/stats.csv' });
    // Wrong refs and paths are refused naming the view; what was loaded stays.
    const refused = [
      [fromDataset('rides/9'), 404, 'feature_views.driver_daily.source.dataset: '],
      [fromDataset('nope/1'), 404, 'feature_views.driver_daily.source.dataset: '],
      [fromDataset('rides/1', 'daily/other.csv'), 400, `rides/${v1.version} has no file "daily/other.csv"`],
      [fromDataset('rides/1', 'daily/stats.bin'), 400, '"daily/stats.bin" is not a table file'],
      [fromDataset('bad ref'), 400, 'feature_views.driver_daily.source.dataset: '],
    ] as const;
    for (const [doc, status, message] of refused) {
      const r = await apply(p, doc);
      expect(r.status, r.text).toBe(status);
      expect(r.body.error.message).toContain(message);
    }
    expect((await dailyAt(p, [1], BASE + 60 * S)).body.columns.rating).toEqual([4.9]);
  });

  it('saves a training set whose rows stay the same after later pushes, and answers it as JSON or Parquet', async ({ p }) => {
    const df = { driver_id: [1, 2], event_timestamp: [BASE, BASE], created: [BASE, BASE], conv_rate: [0.5, 0.7], trips: [10, 20] };
    await call('/feast/push', { key: p.keys.write, json: { push_source_name: 'driver_stats_push', to: 'offline', df } });
    const request = { entities: { driver_id: [1, 2, 3], event_timestamp: [BASE + S, BASE + S, BASE + S], label: [1, 0, 1] }, features: ['driver_stats:conv_rate', 'driver_stats:trips'] };
    const saved = await call('/v1/features/training-sets', { key: p.keys.write, json: { name: 'rides_v1', ...request } });
    expect(saved.status, saved.text).toBe(201);
    expect(saved.body).toMatchObject({ name: 'rides_v1', rows: 3, features: ['driver_stats:conv_rate', 'driver_stats:trips'], createdFilter: true });
    expect(saved.body.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // A later correction that would change the live answer (no created filter on a view without… here a new event).
    await call('/feast/push', { key: p.keys.write, json: { push_source_name: 'driver_stats_push', to: 'offline', df: { ...df, event_timestamp: [BASE + S, BASE + S], created: [BASE, BASE], trips: [11, 21] } } });
    expect((await historical(p, request)).body.columns.trips).toEqual([11, 21, null]);
    const rows = await call('/v1/features/training-sets/rides_v1', { key: p.keys.read });
    expect(rows.body.columns).toEqual({ driver_id: [1, 2, 3], event_timestamp: [BASE + S, BASE + S, BASE + S], label: [1, 0, 1], conv_rate: [0.5, 0.7, null], trips: [10, 20, null] });
    // Sent twice: the set already saved, nothing recomputed; another request under the name: 409.
    const twice = await call('/v1/features/training-sets', { key: p.keys.write, json: { name: 'rides_v1', ...request } });
    expect(twice.status).toBe(200);
    expect(twice.body).toEqual(saved.body);
    expectError(await call('/v1/features/training-sets', { key: p.keys.write, json: { name: 'rides_v1', ...request, createdFilter: false } }), 409, 'conflict');
    expect((await call('/v1/features/training-sets', { key: p.keys.read })).body.training_sets.map((s: { name: string }) => s.name)).toEqual(['rides_v1']);
    expectError(await call('/v1/features/training-sets', { key: p.keys.read, json: { name: 'x', ...request } }), 403, 'forbidden');
    expectError(await call('/v1/features/training-sets/nope', { key: p.keys.read }), 404, 'not_found');

    const asParquet = await fetch(`${hub.url}/v1/features/training-sets/rides_v1?format=parquet`, { headers: { authorization: `Bearer ${p.keys.read}` } });
    expect(asParquet.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    const objects = await parquetReadObjects({ file: await asParquet.arrayBuffer() });
    expect(objects.map((o) => [o.driver_id, o.conv_rate, o.trips === null ? null : Number(o.trips), o.label])).toEqual([
      [1, 0.5, 10, 1],
      [2, 0.7, 20, 0],
      [3, null, null, 1],
    ]);
    const live = await fetch(`${hub.url}/v1/features/historical?format=parquet`, { method: 'POST', headers: { authorization: `Bearer ${p.keys.read}`, 'content-type': 'application/json' }, body: JSON.stringify(request) });
    expect((await parquetReadObjects({ file: await live.arrayBuffer() })).map((o) => Number(o.trips ?? -1))).toEqual([11, 21, -1]);
  });

  it("shows a view's freshness and its services, and a service's model versions", async ({ p }) => {
    const now = Date.now();
    const df = { driver_id: [1, 2, 1], event_timestamp: [now - 3 * S, now - 2 * S, now - S], created: [now, now, now], conv_rate: [0.1, 0.2, 0.3], trips: [1, 2, 3] };
    await call('/feast/push', { key: p.keys.write, json: { push_source_name: 'driver_stats_push', to: 'offline', df } });
    const before = (await call('/v1/features/views/driver_stats', { key: p.keys.read })).body;
    expect(before).toMatchObject({ name: 'driver_stats', ttl: 100, services: ['driver_model_v1'], materialized_until: null });
    expect(before.stats).toEqual({ offline_rows: 3, online_rows: 0, newest_event_ts: now - S, last_materialized_at: null });
    await call('/feast/materialize', { key: p.keys.write, json: { start_ts: now - 10 * S, end_ts: now, feature_views: ['driver_stats'] } });
    const after = (await call('/v1/features/views/driver_stats', { key: p.keys.read })).body;
    expect(after.stats.online_rows).toBe(2);
    expect(after.stats.last_materialized_at).toBeGreaterThanOrEqual(now);
    expectError(await call('/v1/features/views/nope', { key: p.keys.read }), 404, 'not_found');

    // Lineage: a model version names the service it was trained on.
    await call('/v1/models', { key: p.keys.write, json: { name: 'eta' } });
    const bytes = linearModelOnnx({ inputSize: 2, outputSize: 1 }) as Uint8Array<ArrayBuffer>;
    const files = [{ path: 'model.onnx', digest: await uploadBlob(p, bytes), size: bytes.byteLength }];
    const unknown = await call('/v1/models/eta/versions', { key: p.keys.write, json: { format: 'onnx', files, featureService: 'nope' } });
    expectError(unknown, 404, 'not_found');
    const made = await call('/v1/models/eta/versions', { key: p.keys.write, json: { format: 'onnx', files, featureService: 'driver_model_v1' } });
    expect(made.status).toBe(201);
    expect(made.body.version.featureService).toBe('driver_model_v1');
    const service = (await call('/v1/features/services/driver_model_v1', { key: p.keys.read })).body;
    expect(service).toMatchObject({ name: 'driver_model_v1', model_versions: [{ model: 'eta', version: 1 }] });
    expectError(await call('/v1/features/services/nope', { key: p.keys.read }), 404, 'not_found');
  });
});
