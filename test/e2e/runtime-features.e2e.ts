import { createClient } from '@libsql/client';
import type { Page } from '@playwright/test';
import { HubApi } from './runtime/hub-api.js';
import { expect, openSiteWithServiceWorker, test } from './runtime/fixtures.js';
import { Site } from './runtime/site.js';

const HOUR = 3_600_000;

/** A project of its own (applying definitions replaces the whole project's), with device and secret views. */
async function featureProject(admin: HubApi, name: string) {
  const { project, adminKey } = await admin.call('POST', '/v1/projects', { name: `feat-${name}` });
  const api = new HubApi(admin.url, adminKey.secret);
  await api.call('POST', '/v1/features/apply', {
    entities: [{ name: 'driver', join_keys: ['driver_id'], value_type: 'int64' }],
    feature_views: [
      {
        name: 'driver_stats',
        entities: ['driver'],
        ttl: 3600,
        created_timestamp_column: 'created',
        devices: true,
        schema: [{ name: 'conv_rate', dtype: 'float64' }, { name: 'trips', dtype: 'int64' }, { name: 'note', dtype: 'string' }],
        source: { push: 'driver_stats_push' },
      },
      { name: 'driver_secret', entities: ['driver'], schema: [{ name: 'score', dtype: 'float64' }], source: { push: 'driver_secret_push' } },
    ],
    feature_services: [
      { name: 'driver_model', features: ['driver_stats:conv_rate', 'driver_stats:trips', 'driver_stats:note'] },
      { name: 'mixed_model', features: ['driver_stats:trips', 'driver_secret:score'] },
    ],
  });
  const now = Date.now();
  // 1001 fresh, 1002 older than the view's TTL, 1003 with a null note; 1004 never pushed.
  await api.call('POST', '/feast/push', {
    push_source_name: 'driver_stats_push',
    to: 'both',
    df: {
      driver_id: [1001, 1002, 1003],
      event_timestamp: [now - 60_000, now - 2 * HOUR, now - 120_000],
      created: [now, now, now],
      conv_rate: [0.9, 0.4, 0.7],
      trips: [12, 3, 8],
      note: ['fast', 'slow', null],
    },
  });
  await api.call('POST', '/feast/push', { push_source_name: 'driver_secret_push', df: { driver_id: [1001], event_timestamp: [now], score: [0.5] } });
  return { api, projectId: project.id as string, key: await api.publishableKey(), pushedAt: now };
}

interface PageAnswer {
  names: string[];
  rows: any[];
  first: Record<string, unknown>;
  stale: boolean;
}
type PageFailure = { code: string; message: string };

/** `op.features(...)` in the page (connecting once per page load); an error comes back as `{ code, message }`. */
function readInPage(page: Page, hub: string, key: string, selection: string | string[], entities: unknown, options: unknown = {}): Promise<PageAnswer | PageFailure> {
  return page.evaluate(
    async ({ hub, key, selection, entities, options }) => {
      const w = window as any;
      w.op ??= await w.Outpost.connect({ hub, key });
      try {
        const answer = await w.op.features(selection, entities, options);
        return { names: answer.names, rows: answer.rows, first: answer.object(0), stale: answer.stale };
      } catch (e: any) {
        return { code: e.code, message: e.message };
      }
    },
    { hub, key, selection, entities, options },
  );
}

/** The answer of a read that must succeed. */
async function read(...args: Parameters<typeof readInPage>): Promise<PageAnswer> {
  const r = await readInPage(...args);
  if ('code' in r) throw new Error(`op.features failed: ${r.code}: ${r.message}`);
  return r;
}

const FOUR = { driver_id: [1001, 1002, 1003, 1004] };

test.describe('runtime features', () => {
  test.describe.configure({ timeout: 120_000 });

  test('an online read answers the values, statuses and event times the hub holds, NOT_FOUND and OUTSIDE_MAX_AGE included', async ({ page, api: admin, site, hubUrl, modelName }) => {
    const { api, key, pushedAt } = await featureProject(admin, modelName);
    await page.goto(site.url);
    const answer = await read(page, hubUrl, key, 'driver_model', FOUR);
    expect(answer.names).toEqual(['driver_id', 'conv_rate', 'trips', 'note']);
    expect(answer.rows.map((r) => r.values)).toEqual([[1001, 0.9, 12, 'fast'], [1002, null, null, null], [1003, 0.7, 8, null], [1004, null, null, null]]);
    expect(answer.rows.map((r) => r.statuses)).toEqual([
      ['PRESENT', 'PRESENT', 'PRESENT', 'PRESENT'],
      ['PRESENT', 'OUTSIDE_MAX_AGE', 'OUTSIDE_MAX_AGE', 'OUTSIDE_MAX_AGE'],
      ['PRESENT', 'PRESENT', 'PRESENT', 'NULL_VALUE'],
      ['PRESENT', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND'],
    ]);
    expect(answer.rows.map((r) => r.eventTimes)).toEqual([
      [null, pushedAt - 60_000, pushedAt - 60_000, pushedAt - 60_000],
      [null, pushedAt - 2 * HOUR, pushedAt - 2 * HOUR, pushedAt - 2 * HOUR],
      [null, pushedAt - 120_000, pushedAt - 120_000, pushedAt - 120_000],
      [null, null, null, null],
    ]);
    expect(answer.rows.every((r) => r.stale === false && r.fetchedAt > 0)).toBe(true);
    expect(answer.first).toEqual({ driver_id: 1001, conv_rate: 0.9, trips: 12, note: 'fast' });
    // The same as the hub's own reply to a secret key, read straight from the route.
    const direct = await api.call('POST', '/feast/get-online-features', { feature_service: 'driver_model', entities: FOUR });
    expect(answer.rows.map((r) => r.values)).toEqual(direct.results.map((r: any) => r.values));
    expect(answer.rows.map((r) => r.statuses)).toEqual(direct.results.map((r: any) => r.statuses));

    // One row object and a feature list work too, with full names.
    const one = await read(page, hubUrl, key, ['driver_stats:trips'], { driver_id: 1003 }, { fullFeatureNames: true });
    expect(one).toMatchObject({ names: ['driver_id', 'driver_stats__trips'], first: { driver_id: 1003, driver_stats__trips: 8 } });
    // A join-key column the features do not use is the caller's mistake, said as the hub says it.
    expect(await readInPage(page, hubUrl, key, 'driver_model', { rider_id: [1] })).toMatchObject({ code: 'bad_request', message: expect.stringContaining('entities.driver_id: missing') });
  });

  test('offline after a reload, cached features answer with their statuses, event times and stale: true', async ({ page, api: admin, faulty, modelName }) => {
    const { key } = await featureProject(admin, modelName);
    const site = new Site(faulty.url);
    await site.start();
    try {
      await openSiteWithServiceWorker(page, site);
      const online = await read(page, faulty.url, key, 'driver_model', { driver_id: [1001, 1002, 1003] });

      await page.context().setOffline(true);
      await site.stop();
      await faulty.stop();
      await page.reload();
      await page.waitForFunction(() => 'Outpost' in window);
      // 1004 was never fetched on this device: NOT_FOUND, stale, never fetched.
      const offline = await read(page, faulty.url, key, 'driver_model', FOUR);
      expect(offline.names).toEqual(online.names);
      for (let i = 0; i < 3; i++) {
        expect(offline.rows[i]).toEqual({ ...online.rows[i], stale: true });
      }
      expect(offline.rows[1].statuses).toEqual(['PRESENT', 'OUTSIDE_MAX_AGE', 'OUTSIDE_MAX_AGE', 'OUTSIDE_MAX_AGE']);
      expect(offline.rows[3]).toEqual({ values: [1004, null, null, null], statuses: ['PRESENT', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND'], eventTimes: [null, null, null, null], stale: true, fetchedAt: null });
      expect(offline.stale).toBe(true);
      // Nothing of this selection cached: offline says so rather than answer all NOT_FOUND.
      expect(await readInPage(page, faulty.url, key, ['driver_stats:note'], { driver_id: [1001] })).toMatchObject({ code: 'offline', message: expect.stringContaining('none of these entity rows is cached') });
    } finally {
      await site.stop();
    }
  });

  test('within maxAge a cached answer is returned without asking the hub', async ({ page, api: admin, faulty, site, modelName }) => {
    const { key } = await featureProject(admin, modelName);
    await page.goto(site.url);
    const asked = () => faulty.requests.filter((r) => r === 'POST /feast/get-online-features').length;
    const first = await read(page, faulty.url, key, 'driver_model', { driver_id: [1001, 1003] }, { maxAge: 60_000 });
    expect(asked()).toBe(1);
    const again = await read(page, faulty.url, key, 'driver_model', { driver_id: [1003, 1001] }, { maxAge: 60_000 });
    expect(asked()).toBe(1);
    expect(again.rows).toEqual([first.rows[1], first.rows[0]]);
    expect(again.stale).toBe(false);
    // A row not cached yet, or no maxAge, goes to the hub.
    await read(page, faulty.url, key, 'driver_model', { driver_id: [1001, 1002] }, { maxAge: 60_000 });
    expect(asked()).toBe(2);
    await read(page, faulty.url, key, 'driver_model', { driver_id: [1001] });
    expect(asked()).toBe(3);
    // Another selection is cached apart.
    await read(page, faulty.url, key, ['driver_stats:trips'], { driver_id: [1001] }, { maxAge: 60_000 });
    expect(asked()).toBe(4);
    // Cleared, the cache answers nothing: the next read asks the hub again.
    expect(await page.evaluate(() => (window as any).op.features.clear())).toBe(4);
    await read(page, faulty.url, key, 'driver_model', { driver_id: [1001] }, { maxAge: 60_000 });
    expect(asked()).toBe(5);
  });

  test('a publishable key reading a view not marked for devices gets unauthorized naming the view; a device push into it is rejected', async ({ page, api: admin, site, hubUrl, modelName }) => {
    const { key } = await featureProject(admin, modelName);
    await page.goto(site.url);
    for (const selection of [['driver_secret:score'], 'mixed_model']) {
      expect(await readInPage(page, hubUrl, key, selection, { driver_id: [1001] })).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('feature view "driver_secret" is not marked for devices') });
    }
    const status = await page.evaluate(async () => {
      const op = (window as any).op;
      await op.features.push('driver_secret_push', { driver_id: 7, event_timestamp: Date.now(), score: 1 });
      return op.flush();
    });
    expect(status.pending).toBe(0);
    expect(status.rejected).toEqual([expect.objectContaining({ type: 'feature.push', message: expect.stringContaining('driver_secret') })]);
  });

  test('a device push made offline is delivered once after reconnecting, though the send is retried', async ({ page, api: admin, faulty, hubUrl, modelName }) => {
    const { api, projectId, key } = await featureProject(admin, modelName);
    // The page comes from its own site with the runtime from the hub itself; the runtime talks to the hub through the proxy.
    const site = new Site(hubUrl);
    await site.start();
    const proxyPort = faulty.port;
    const eventAt = Date.now() - 30_000;
    try {
      await page.goto(site.url);
      await page.waitForFunction(() => 'Outpost' in window);
      await faulty.stop();
      const queued = await page.evaluate(
        async ({ hub, key, eventAt }) => {
          const w = window as any;
          w.op = await w.Outpost.connect({ hub, key });
          const id = await w.op.features.push('driver_stats_push', [{ driver_id: 2001, event_timestamp: new Date(eventAt), created: eventAt, conv_rate: 0.25, trips: 5, note: 'device' }], { to: 'both' });
          const flushed = await w.op.flush().then(() => 'sent', (e: Error) => e.message);
          return { id, flushed, status: w.op.status() };
        },
        { hub: faulty.url, key, eventAt },
      );
      expect(queued.flushed).toMatch(/still waiting to sync: hub .* is unreachable/);
      expect(queued.status).toMatchObject({ online: false, pending: 1 });

      // The queued push survives a reload.
      await page.reload();
      await page.waitForFunction(() => 'Outpost' in window);
      expect(await page.evaluate(async ({ hub, key }) => ((window as any).op = await (window as any).Outpost.connect({ hub, key })).status().pending, { hub: faulty.url, key })).toBe(1);

      // Back online, but the hub's reply is lost: the hub applied the item, the device must send it again.
      await faulty.start(proxyPort);
      faulty.fault = 'drop-reply';
      expect(await page.evaluate(() => (window as any).op.flush().then(() => 'sent', (e: Error) => e.message))).toMatch(/still waiting to sync/);
      faulty.fault = 'none';
      expect(await page.evaluate(() => (window as any).op.flush().then((s: any) => s.pending))).toBe(0);
      // The hub saw the item more than once (the lost reply, and background retries with backoff)…
      expect(faulty.syncedIds.filter((id) => id === queued.id).length).toBeGreaterThanOrEqual(2);

      const online = await api.call('POST', '/feast/get-online-features', { features: ['driver_stats:conv_rate', 'driver_stats:trips', 'driver_stats:note'], entities: { driver_id: [2001] } });
      expect(online.results[0]).toMatchObject({ values: [2001, 0.25, 5, 'device'], statuses: ['PRESENT', 'PRESENT', 'PRESENT', 'PRESENT'] });
      expect(Date.parse(online.results[0].event_timestamps[1])).toBe(eventAt);
      const historical = await api.call('POST', '/v1/features/historical', { features: ['driver_stats:trips'], entities: { driver_id: [2001], event_timestamp: [eventAt + 1] } });
      expect(historical.columns.trips).toEqual([5]);
      // …yet the offline store holds the row once: no route counts a view's rows yet, so ask the hub's database file.
      const db = createClient({ url: `file:${process.env.OUTPOST_E2E_DIR}/hub.db` });
      try {
        const { rows } = await db.execute({ sql: 'SELECT count(*) AS n FROM feature_rows WHERE project_id = ? AND view = ? AND entity_key = ?', args: [projectId, 'driver_stats', '[2001]'] });
        expect(Number(rows[0]!.n)).toBe(1);
      } finally {
        db.close();
      }
    } finally {
      await site.stop();
    }
  });
  test('a device database of the previous version is upgraded in place, keeping what it held', async ({ page, api: admin, site, hubUrl, modelName }) => {
    const { key } = await featureProject(admin, modelName);
    await page.goto(site.url);
    await page.waitForFunction(() => 'Outpost' in window);
    // Version 2 as an older runtime left it, with a queued record for another hub (so it stays queued).
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('outpost-runtime', 2);
          open.onupgradeneeded = () => {
            const db = open.result;
            db.createObjectStore('manifests', { keyPath: 'key' }).createIndex('hub', 'hub');
            db.createObjectStore('blobs', { keyPath: 'digest' });
            db.createObjectStore('outbox', { keyPath: 'id' }).createIndex('hub', 'hub');
            db.createObjectStore('telemetry', { keyPath: 'key' }).createIndex('hub', 'hub');
            open.transaction!.objectStore('outbox').put({ id: 'old-item-1', hub: 'http://elsewhere.invalid', item: { id: 'old-item-1', type: 'telemetry' }, createdAt: 1 });
          };
          open.onsuccess = () => (open.result.close(), resolve());
          open.onerror = () => reject(open.error);
        }),
    );
    await read(page, hubUrl, key, 'driver_model', { driver_id: [1001] });
    const after = await page.evaluate(
      () =>
        new Promise<{ version: number; stores: string[]; kept: boolean; features: number }>((resolve, reject) => {
          const open = indexedDB.open('outpost-runtime');
          open.onsuccess = () => {
            const db = open.result;
            const tx = db.transaction(['outbox', 'features']);
            const kept = tx.objectStore('outbox').get('old-item-1');
            const features = tx.objectStore('features').count();
            tx.oncomplete = () => (db.close(), resolve({ version: db.version, stores: [...db.objectStoreNames], kept: Boolean(kept.result), features: features.result }));
            tx.onerror = () => reject(tx.error);
          };
          open.onerror = () => reject(open.error);
        }),
    );
    expect(after).toEqual({ version: 4, stores: ['blobs', 'datasetBlobs', 'datasetFiles', 'datasetVersions', 'features', 'manifests', 'outbox', 'telemetry'], kept: true, features: 1 });
  });
});
