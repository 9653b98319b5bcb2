import { describe, expect } from 'vitest';
import { call, expectError, hub, type TestProject } from '../../helpers/client.js';
import { BASE, checkJoinAgainstBruteForce, featureDocument, S } from '../../helpers/features.js';
import { test } from '../../helpers/fixtures.js';

/** Each test's own project, with featureDocument() applied. */
const it = test.extend<{ p: TestProject }>({
  p: async ({ project: p }, use) => {
    expect((await call('/v1/features/apply', { key: p.keys.write, json: featureDocument() })).status).toBe(200);
    await use(p);
  },
});

const iso = (ms: number) => new Date(ms).toISOString().replace('.000', '');
const EPOCH = '1970-01-01T00:00:00Z';
const push = (p: TestProject, json: unknown, key = p.keys.write) => call('/feast/push', { key, json });
const online = (p: TestProject, json: unknown, key = p.keys.read) => call('/feast/get-online-features', { key, json });

describe(`feature store (${hub.runtime})`, () => {
  it('answers a plan, changes nothing on a second apply, and refuses a breaking change unless forced', async ({ p }) => {
    const again = await call('/v1/features/apply', { key: p.keys.write, json: featureDocument() });
    expect(again.status).toBe(200);
    expect(again.body.unchanged).toEqual({ entities: ['driver', 'customer'], feature_views: ['driver_stats', 'driver_profile', 'customer_activity'], feature_services: ['driver_model_v1'] });
    expect(again.body.created.feature_views).toEqual([]);
    const doc = featureDocument();
    doc.feature_views[0]!.schema[1] = { name: 'trips', dtype: 'float64' };
    const refused = await call('/v1/features/apply', { key: p.keys.write, json: doc });
    expectError(refused, 409, 'conflict');
    expect(refused.body.error.message).toContain('field "driver_stats:trips" changes type from int64 to float64');
    const forced = await call('/v1/features/apply', { key: p.keys.write, json: { ...doc, force: true } });
    expect(forced.body).toMatchObject({ updated: { feature_views: ['driver_stats'] }, breaking: ['field "driver_stats:trips" changes type from int64 to float64'] });
    const listed = await call('/v1/features', { key: p.keys.read });
    expect(listed.body.feature_views.find((v: { name: string }) => v.name === 'driver_stats').schema[1]).toEqual({ name: 'trips', dtype: 'float64' });
    expectError(await call('/v1/features/apply', { key: p.keys.read, json: featureDocument() }), 403, 'forbidden');
    expectError(await call('/v1/features/apply', { key: p.keys.write, json: { feature_views: [{ name: 'x' }] } }), 400, 'validation_failed');
  });

  it('stores nothing of a push with a bad row, naming the field', async ({ p }) => {
    const df = { driver_id: [1, 2, 3], event_timestamp: ['2022-05-13 10:59:42', BASE, 'not a time'], created: [BASE, BASE, BASE], conv_rate: [0.1, 0.2, 0.3], trips: [1, 2, 3] };
    const bad = await push(p, { push_source_name: 'driver_stats_push', to: 'both', df });
    expectError(bad, 400, 'bad_request');
    expect(bad.body.error.message).toMatch(/^df\.event_timestamp\[2\]: "not a time" is not a timestamp/);
    const wrongKey = await push(p, { push_source_name: 'driver_stats_push', df: { ...df, event_timestamp: [BASE, BASE, BASE], driver_id: [1, 'two', 3] } });
    expect(wrongKey.body.error.message).toMatch(/^df\.driver_id\[1\]: "two" is not a join key of type int64/);
    const read = await online(p, { entities: { driver_id: [1, 2] }, features: ['driver_stats:conv_rate'] });
    expect(read.body.results.map((r: { statuses: string[] }) => r.statuses[1])).toEqual(['NOT_FOUND', 'NOT_FOUND']);
    const hist = await call('/v1/features/historical', { key: p.keys.read, json: { entities: { driver_id: [1], event_timestamp: [BASE] }, features: ['driver_stats:trips'] } });
    expect(hist.body.columns.trips).toEqual([null]);
  });

  it("answers Feast's reply with every status, and never moves an online value back in time", async ({ p }) => {
    const now = Date.now();
    const row = (driver: number, ts: number, conv: number | null) => ({ driver_id: [driver], event_timestamp: [ts], created: [ts], conv_rate: [conv], trips: [driver] });
    expect((await push(p, { push_source_name: 'driver_stats_push', to: 'online_and_offline', df: row(1, now - 10 * S, 0.9) })).body).toEqual({ rows: 1, online: 1, offline: 1 });
    await push(p, { push_source_name: 'driver_stats_push', df: row(1, now - 50 * S, 0.1) });
    await push(p, { push_source_name: 'driver_stats_push', df: row(2, now - 10 * S, null) });
    await push(p, { push_source_name: 'driver_stats_push', df: row(3, now - 500 * S, 0.3) });
    const reply = await online(p, { entities: { driver_id: [1, 2, 3, 4] }, features: ['driver_stats:conv_rate', 'driver_stats:trips'] });
    expect(reply.status).toBe(200);
    expect(reply.body.metadata).toEqual({ feature_names: ['driver_id', 'conv_rate', 'trips'] });
    expect(reply.body.results).toEqual([
      { values: [1, 0.9, 1], statuses: ['PRESENT', 'PRESENT', 'PRESENT'], event_timestamps: [EPOCH, iso(now - 10 * S), iso(now - 10 * S)] },
      { values: [2, null, 2], statuses: ['PRESENT', 'NULL_VALUE', 'PRESENT'], event_timestamps: [EPOCH, iso(now - 10 * S), iso(now - 10 * S)] },
      { values: [3, null, null], statuses: ['PRESENT', 'OUTSIDE_MAX_AGE', 'OUTSIDE_MAX_AGE'], event_timestamps: [EPOCH, iso(now - 500 * S), iso(now - 500 * S)] },
      { values: [4, null, null], statuses: ['PRESENT', 'NOT_FOUND', 'NOT_FOUND'], event_timestamps: [EPOCH, EPOCH, EPOCH] },
    ]);
    const byService = await online(p, { entities: { driver_id: [1] }, feature_service: 'driver_model_v1', full_feature_names: true });
    expect(byService.body.metadata.feature_names).toEqual(['driver_id', 'driver_stats__conv_rate', 'driver_stats__trips', 'driver_profile__city']);
    expectError(await online(p, { entities: { driver_id: [1] }, features: ['driver_stats:nope'] }), 404, 'not_found');
    const missingKey = await online(p, { entities: { customer_id: ['a'] }, features: ['driver_stats:trips'] });
    expectError(missingKey, 400, 'bad_request');
    expect(missingKey.body.error.message).toMatch(/^entities\.driver_id: missing/);
    expectError(await online(p, { entities: { driver_id: [1] } }), 400, 'validation_failed');
    expect((await call('/feast/health')).status).toBe(200);
  });

  it('lets publishable keys read and push only views marked for devices', async ({ p }) => {
    const activity = { customer_id: ['a', 'b'], driver_id: [1, 1], event_timestamp: [Date.now(), Date.now()], created: [Date.now(), Date.now()], liked: [true, false] };
    expect((await push(p, { push_source_name: 'activity_push', df: activity })).status).toBe(200);
    const device = await online(p, { entities: { customer_id: ['a', 'b'], driver_id: [1, 1] }, features: ['customer_activity:liked'] }, p.keys.device);
    expect(device.status).toBe(200);
    expect(device.body.results.map((r: { values: unknown[] }) => r.values)).toEqual([['a', 1, true], ['b', 1, false]]);
    const hidden = await online(p, { entities: { driver_id: [1] }, features: ['driver_stats:trips'] }, p.keys.device);
    expectError(hidden, 403, 'forbidden');
    expect(hidden.body.error.message).toContain('driver_stats');
    expectError(await online(p, { entities: { driver_id: [1] }, feature_service: 'driver_model_v1' }, p.keys.device), 403, 'forbidden');
    expectError(await push(p, { push_source_name: 'activity_push', df: activity }, p.keys.device), 403, 'forbidden');
    expectError(await call('/v1/features/historical', { key: p.keys.device, json: { entities: { driver_id: [1], event_timestamp: [BASE] }, features: ['customer_activity:liked'] } }), 403, 'forbidden');
    const preflight = await call('/feast/get-online-features', { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example');
  });

  it('applies a device push through /v1/sync once, and rejects one into a view not marked for devices', async ({ p }) => {
    const item = { id: crypto.randomUUID(), type: 'feature.push', push_source_name: 'activity_push', to: 'both', df: { customer_id: ['z'], driver_id: [9], event_timestamp: [BASE], created: [BASE], liked: [true] } };
    const sync = (items: unknown[]) => call('/v1/sync', { key: p.keys.device, json: { items } });
    expect((await sync([item])).body.results[0].status).toBe('applied');
    expect((await sync([item])).body.results[0].status).toBe('duplicate');
    const hist = await call('/v1/features/historical', { key: p.keys.read, json: { entities: { customer_id: ['z', 'z'], driver_id: [9, 9], event_timestamp: [BASE, BASE + 60 * S] }, features: ['customer_activity:liked'] } });
    expect(hist.body.columns.liked).toEqual([true, null]); // TTL 50 s
    const refused = (await sync([{ ...item, id: crypto.randomUUID(), push_source_name: 'driver_profile_push', df: { driver_id: [1], event_timestamp: [BASE], city: ['x'] } }])).body.results[0];
    expect(refused).toMatchObject({ status: 'rejected', error: { code: 'forbidden' } });
  });

  it('matches a brute-force evaluation of the point-in-time join', async ({ p }) => {
    await checkJoinAgainstBruteForce((path, json) => call(path, { key: p.keys.write, json }), 7, 150);
  });

  it('materializes the latest row per entity, then incrementally from where it stopped', async ({ p }) => {
    const offline = (driver: number[], ts: number[], trips: number[]) =>
      push(p, { push_source_name: 'driver_stats_push', to: 'offline', df: { driver_id: driver, event_timestamp: ts, created: ts, conv_rate: trips.map(() => 0.5), trips } });
    const now = Date.now();
    await offline([1, 1, 2], [now - 50 * S, now - 40 * S, now - 30 * S], [10, 11, 20]);
    const trips = async () => (await online(p, { entities: { driver_id: [1, 2] }, features: ['driver_stats:trips'] })).body.results.map((r: { values: unknown[] }) => r.values[1]);
    const first = await call('/feast/materialize-incremental', { key: p.keys.write, json: { end_ts: now - 35 * S, feature_views: ['driver_stats'] } });
    expect(first.body.views).toEqual([{ name: 'driver_stats', start_ts: now - 135 * S, end_ts: now - 35 * S, rows: 1 }]);
    expect(await trips()).toEqual([11, null]);
    const second = await call('/feast/materialize-incremental', { key: p.keys.write, json: { end_ts: now } });
    expect(second.body.views.find((v: { name: string }) => v.name === 'driver_stats')).toMatchObject({ start_ts: now - 35 * S, rows: 1 });
    expect(await trips()).toEqual([11, 20]);
    const listed = await call('/v1/features', { key: p.keys.read });
    expect(listed.body.feature_views.find((v: { name: string }) => v.name === 'driver_stats').materialized_until).toBe(now);
    // Materializing an older window again leaves the newer online values alone.
    await call('/feast/materialize', { key: p.keys.write, json: { start_ts: now - 60 * S, end_ts: now - 45 * S } });
    expect(await trips()).toEqual([11, 20]);
    expectError(await call('/feast/materialize', { key: p.keys.write, json: { start_ts: now, end_ts: now - 1 } }), 400, 'bad_request');
    // A time no date can hold (found by the fuzz tier: it was a 500) is a 400 naming the field.
    const huge = await call('/feast/materialize', { key: p.keys.write, json: { start_ts: 9007199254740993, end_ts: 51.9 } });
    expectError(huge, 400, 'bad_request');
    expect(huge.body.error.message).toMatch(/^start_ts: .* is not a timestamp/);
  });

  it('documents its routes in /openapi.json', async () => {
    const { paths } = (await call('/openapi.json')).body;
    for (const path of ['/v1/features/apply', '/v1/features', '/v1/features/historical', '/feast/push', '/feast/get-online-features', '/feast/materialize', '/feast/materialize-incremental']) {
      expect(paths[path], path).toBeDefined();
    }
  });
});
