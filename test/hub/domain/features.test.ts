import { SyncDispatcher } from '../../../hub/core/sync/dispatcher.js';
import { featureSyncHandlers } from '../../../hub/features/sync.js';
import { readOnline } from '../../../hub/features/online.js';
import { describe, expect, test, type InProcessHub } from '../../helpers/app.js';
import { BASE, checkJoinAgainstBruteForce, featureDocument, S } from '../../helpers/features.js';

async function post(hub: InProcessHub, path: string, json: unknown) {
  const res = await hub.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
  return { status: res.status, body: (await res.json()) as any };
}
const apply = (hub: InProcessHub, doc: unknown) => post(hub, '/v1/features/apply', doc);
const historical = (hub: InProcessHub, json: unknown) => post(hub, '/v1/features/historical', json);

describe('feature definitions', () => {
  test('applies a document, answers a plan, and changes nothing when applied again', async ({ hub }) => {
    const first = await apply(hub, featureDocument());
    expect(first.status).toBe(200);
    expect(first.body.created).toEqual({ entities: ['driver', 'customer'], feature_views: ['driver_stats', 'driver_profile', 'customer_activity'], feature_services: ['driver_model_v1'] });
    const again = await apply(hub, featureDocument());
    expect(again.body.created).toEqual({ entities: [], feature_views: [], feature_services: [] });
    expect(again.body.unchanged.feature_views).toHaveLength(3);
    expect(again.body.updated).toEqual({ entities: [], feature_views: [], feature_services: [] });

    const doc = featureDocument();
    doc.feature_views[0]!.schema.push({ name: 'rating', dtype: 'float64' });
    doc.feature_services = [];
    const grown = await apply(hub, doc);
    expect(grown.body).toMatchObject({ updated: { feature_views: ['driver_stats'] }, deleted: { feature_services: ['driver_model_v1'] }, breaking: [] });
    const listed = await hub.request('/v1/features').then((r) => r.json() as Promise<any>);
    expect(listed.feature_views.find((v: { name: string }) => v.name === 'driver_stats')).toMatchObject({ ttl: 100, tags: { team: 'rides' }, materialized_until: null });
  });

  test('refuses breaking changes with 409 naming each, and makes them with force, dropping the stored rows', async ({ hub }) => {
    await apply(hub, featureDocument());
    await post(hub, '/feast/push', { push_source_name: 'driver_profile_push', to: 'both', df: { driver_id: [1], event_timestamp: [BASE], city: ['Oslo'] } });
    const doc = featureDocument();
    doc.feature_views[1]!.schema = [{ name: 'city', dtype: 'int64' }];
    doc.feature_views.splice(2, 1);
    const refused = await apply(hub, doc);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('field "driver_profile:city" changes type from string to int64');
    expect(refused.body.error.message).toContain('field "driver_profile:embedding" is removed');
    expect(refused.body.error.message).toContain('feature view "customer_activity" is deleted');
    expect((await hub.request('/v1/features').then((r) => r.json() as Promise<any>)).feature_views).toHaveLength(3);

    const forced = await apply(hub, { ...doc, force: true });
    expect(forced.status).toBe(200);
    expect(forced.body.breaking).toHaveLength(3);
    expect(forced.body.deleted.feature_views).toEqual(['customer_activity']);
    const after = await readOnline(hub.scope, { entities: { driver_id: [1] }, features: ['driver_profile:city'], full_feature_names: false });
    expect(after.results[0]!.statuses).toEqual(['PRESENT', 'NOT_FOUND']);
  });

  test('refuses a document whose references do not resolve, naming them', async ({ hub }) => {
    const doc = featureDocument();
    doc.feature_services.push({ name: 'broken', features: ['driver_stats:nope'] });
    doc.feature_views[2]!.entities = ['customer', 'rider'];
    const r = await apply(hub, doc);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain('"driver_stats:nope"');
    expect(r.body.error.message).toContain('no entity "rider"');
    const file = featureDocument();
    (file.feature_views[0] as { source: unknown }).source = { file: `sha256:${'a'.repeat(64)}`, format: 'parquet' };
    const notUploaded = await apply(hub, file);
    expect(notUploaded.status).toBe(409);
    expect(notUploaded.body.error.message).toContain(`feature_views.driver_stats.source.file: upload the file first: blob sha256:${'a'.repeat(64)}`);
    (file.feature_views[0] as { source: unknown }).source = { dataset: 'rides@1', path: 'stats.parquet' };
    const noDataset = await apply(hub, file);
    expect(noDataset.status).toBe(404);
    expect(noDataset.body.error.message).toContain('feature_views.driver_stats.source.dataset: ');
    expect(noDataset.body.error.message).toContain('rides');
  });
});

describe('pushes and the online store', () => {
  test('stores nothing of a push with one bad row, and names the column and row', async ({ hub }) => {
    await apply(hub, featureDocument());
    const good = { driver_id: [1, 2], event_timestamp: [BASE, BASE], created: [BASE, BASE], conv_rate: [0.5, 0.7], trips: [3, 4] };
    const cases: Array<[Record<string, unknown[]>, string]> = [
      [{ ...good, trips: [3, 4.5] }, 'df.trips[1]'],
      [{ ...good, driver_id: [1, '2'] }, 'df.driver_id[1]'],
      [{ ...good, event_timestamp: [BASE, 'yesterday'] }, 'df.event_timestamp[1]'],
      [{ ...good, speed: [1, 2] }, 'df.speed'],
      [Object.fromEntries(Object.entries(good).filter(([k]) => k !== 'event_timestamp')), 'df.event_timestamp'],
    ];
    for (const [df, field] of cases) {
      const r = await post(hub, '/feast/push', { push_source_name: 'driver_stats_push', to: 'online_and_offline', df });
      expect(r.status, JSON.stringify(df)).toBe(400);
      expect(r.body.error.message.startsWith(field)).toBe(true);
    }
    expect((await post(hub, '/feast/push', { push_source_name: 'nope', df: good })).status).toBe(404);
    const stored = await historical(hub, { entities: { driver_id: [1, 2], event_timestamp: [BASE, BASE] }, features: ['driver_stats:trips'] });
    expect(stored.body.columns.trips).toEqual([null, null]);
    const online = await readOnline(hub.scope, { entities: { driver_id: [1, 2] }, features: ['driver_stats:trips'], full_feature_names: false });
    expect(online.results.map((r) => r.statuses[1])).toEqual(['NOT_FOUND', 'NOT_FOUND']);
  });

  test('keeps the newest value online when pushes arrive out of order, and answers Feast statuses', async ({ hub }) => {
    await apply(hub, featureDocument());
    const push = (driver: number, ts: number, conv: number | null, created = ts) =>
      post(hub, '/feast/push', { push_source_name: 'driver_stats_push', df: { driver_id: [driver], event_timestamp: [ts], created: [created], conv_rate: [conv], trips: [1] } });
    expect((await push(1, BASE + 50 * S, 0.9)).body).toEqual({ rows: 1, online: 1, offline: 0 });
    await push(1, BASE + 10 * S, 0.1); // older: ignored online
    await push(2, BASE + 60 * S, null);
    await push(3, BASE - 500 * S, 0.3);
    const at = (now: number) =>
      readOnline({ ...hub.scope, now: () => now }, { entities: { driver_id: [1, 2, 3, 4] }, features: ['driver_stats:conv_rate'], full_feature_names: true });
    const reply = await at(BASE + 100 * S);
    expect(reply.metadata.feature_names).toEqual(['driver_id', 'driver_stats__conv_rate']);
    expect(reply.results).toEqual([
      { values: [1, 0.9], statuses: ['PRESENT', 'PRESENT'], event_timestamps: ['1970-01-01T00:00:00Z', new Date(BASE + 50 * S).toISOString().replace('.000', '')] },
      { values: [2, null], statuses: ['PRESENT', 'NULL_VALUE'], event_timestamps: ['1970-01-01T00:00:00Z', new Date(BASE + 60 * S).toISOString().replace('.000', '')] },
      { values: [3, null], statuses: ['PRESENT', 'OUTSIDE_MAX_AGE'], event_timestamps: ['1970-01-01T00:00:00Z', new Date(BASE - 500 * S).toISOString().replace('.000', '')] },
      { values: [4, null], statuses: ['PRESENT', 'NOT_FOUND'], event_timestamps: ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'] },
    ]);
    // TTL 100 s: at exactly now − TTL the value still counts.
    expect((await at(BASE + 150 * S)).results[0]!.statuses[1]).toBe('PRESENT');
    expect((await at(BASE + 150 * S + 1)).results[0]!.statuses[1]).toBe('OUTSIDE_MAX_AGE');
    // Same event time: the later created time wins, an earlier one does not.
    await push(1, BASE + 50 * S, 0.95, BASE + 60 * S);
    await push(1, BASE + 50 * S, 0.5, BASE + 40 * S);
    expect((await at(BASE + 100 * S)).results[0]!.values[1]).toBe(0.95);
  });
});

describe('historical retrieval', () => {
  test('matches a brute-force evaluation of the join on random data full of ties, late rows, TTL edges and missing keys', async ({ hub }) => {
    await apply(hub, featureDocument());
    await checkJoinAgainstBruteForce((path, json) => post(hub, path, json), 20261201, 400);
  });

  test('names feature columns by field without full names, and refuses a clash or too many rows', async ({ hub }) => {
    const doc = featureDocument();
    doc.feature_views[1]!.schema.push({ name: 'trips', dtype: 'int64' });
    await apply(hub, doc);
    await post(hub, '/feast/push', { push_source_name: 'driver_profile_push', to: 'offline', df: { driver_id: [1], event_timestamp: [BASE], city: ['Oslo'], trips: [7] } });
    const byService = await historical(hub, { entities: { driver_id: [1, 1], event_timestamp: [BASE - 1, BASE], label: [0, 1] }, feature_service: 'driver_model_v1' });
    expect(byService.body.columns).toEqual({ driver_id: [1, 1], event_timestamp: [BASE - 1, BASE], label: [0, 1], conv_rate: [null, null], trips: [null, null], city: [null, 'Oslo'] });
    const clash = await historical(hub, { entities: { driver_id: [1], event_timestamp: [BASE] }, features: ['driver_stats:trips', 'driver_profile:trips'] });
    expect(clash.status).toBe(400);
    expect(clash.body.error.message).toContain('"driver_stats:trips" and "driver_profile:trips"');
    const many = 100_001;
    const tooMany = await historical(hub, { entities: { driver_id: Array(many).fill(1), event_timestamp: Array(many).fill(0) }, features: ['driver_profile:city'] });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toContain('limit of 100000');
  });
});

describe('materialization', () => {
  test('copies the latest row per entity in the window, never moving a value back, and resumes where it stopped', async ({ hub }) => {
    await apply(hub, featureDocument());
    const offline = (driver: number[], ts: number[], trips: number[]) =>
      post(hub, '/feast/push', { push_source_name: 'driver_stats_push', to: 'offline', df: { driver_id: driver, event_timestamp: ts, created: ts, conv_rate: trips.map(() => 0.5), trips } });
    await offline([1, 1, 2, 3], [BASE, BASE + 20 * S, BASE + 5 * S, BASE + 90 * S], [10, 11, 20, 30]);
    const trips = async () => {
      const reply = await readOnline({ ...hub.scope, now: () => BASE + 100 * S }, { entities: { driver_id: [1, 2, 3] }, features: ['driver_stats:trips'], full_feature_names: false });
      return reply.results.map((r) => r.values[1]);
    };
    const first = await post(hub, '/feast/materialize', { start_ts: BASE, end_ts: new Date(BASE + 30 * S).toISOString(), feature_views: ['driver_stats'] });
    expect(first.body.views).toEqual([{ name: 'driver_stats', start_ts: BASE, end_ts: BASE + 30 * S, rows: 2 }]);
    expect(await trips()).toEqual([11, 20, null]);
    // A window that holds only older rows changes nothing online.
    await post(hub, '/feast/materialize', { start_ts: BASE, end_ts: BASE + 10 * S, feature_views: ['driver_stats'] });
    expect(await trips()).toEqual([11, 20, null]);

    await offline([2], [BASE + 40 * S], [21]);
    const inc = await post(hub, '/feast/materialize-incremental', { end_ts: BASE + 60 * S, feature_views: ['driver_stats'] });
    expect(inc.body.views).toEqual([{ name: 'driver_stats', start_ts: BASE + 30 * S, end_ts: BASE + 60 * S, rows: 1 }]);
    expect(await trips()).toEqual([11, 21, null]);
    const next = await post(hub, '/feast/materialize-incremental', { end_ts: BASE + 100 * S });
    expect(next.body.views.find((v: { name: string }) => v.name === 'driver_stats')).toMatchObject({ start_ts: BASE + 60 * S, rows: 1 });
    expect(await trips()).toEqual([11, 21, 30]);
    const bad = await post(hub, '/feast/materialize', { start_ts: BASE, end_ts: 'tomorrow' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('end_ts');
  });
});

describe('device pushes through sync', () => {
  test('applies a feature.push item once, only into a view marked for devices', async ({ hub }) => {
    await apply(hub, featureDocument());
    const sync = new SyncDispatcher().register(featureSyncHandlers);
    const device = { ...hub.scope, principal: { ...hub.scope.principal!, kind: 'publishable' as const } };
    const item = { id: 'item-0001', type: 'feature.push', push_source_name: 'activity_push', to: 'both', df: { customer_id: ['a'], driver_id: [1], event_timestamp: [BASE], created: [BASE], liked: [true] } };
    expect((await sync.apply(device, [item])).results[0]!.status).toBe('applied');
    expect((await sync.apply(device, [item])).results[0]!.status).toBe('duplicate');
    const stored = await historical(hub, { entities: { customer_id: ['a'], driver_id: [1], event_timestamp: [BASE] }, features: ['customer_activity:liked'] });
    expect(stored.body.columns.liked).toEqual([true]);
    const offlineRows = await hub.db.all<{ n: number }>(`SELECT count(*) AS n FROM feature_rows` as never);
    expect(offlineRows[0]!.n).toBe(1);
    const privateView = { ...item, id: 'item-0002', push_source_name: 'driver_profile_push', df: { driver_id: [1], event_timestamp: [BASE], city: ['x'] } };
    const refused = (await sync.apply(device, [privateView])).results[0]!;
    expect(refused).toMatchObject({ status: 'rejected', error: { code: 'forbidden' } });
    expect(refused.error!.message).toContain('driver_profile');
  });
});
