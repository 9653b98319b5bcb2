import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { cliHub } from '../helpers/cli-hub.js';

const cli = cliHub('cli-features');
let files = 0;

/** DESIGN §11's example document; `tripsType` changes one field's type (a breaking change). */
const definitions = (tripsType = 'int64') => ({
  entities: [{ name: 'driver', join_keys: ['driver_id'], value_type: 'int64' }],
  feature_views: [
    {
      name: 'driver_stats',
      entities: ['driver'],
      ttl: 0,
      created_timestamp_column: 'created',
      schema: [
        { name: 'conv_rate', dtype: 'float64' },
        { name: 'trips', dtype: tripsType },
      ],
      source: { push: 'driver_stats_push' },
    },
  ],
  feature_services: [{ name: 'driver_model_v1', features: ['driver_stats:conv_rate', 'driver_stats:trips'] }],
});

/** Writes a definitions file (YAML, or JSON for a `.json` name; a string as it is) into the work folder and returns its path. */
function file(doc: unknown, ext: 'yaml' | 'json' = 'yaml'): string {
  const path = join(cli.work, `features-${files++}.${ext}`);
  writeFileSync(path, typeof doc === 'string' ? doc : ext === 'json' ? JSON.stringify(doc) : stringify(doc));
  return path;
}

/** Rows pushed straight into the offline store only, through the hub's API. */
async function pushOffline(admin: string, df: Record<string, unknown[]>) {
  const res = await fetch(`${cli.url}/feast/push`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ push_source_name: 'driver_stats_push', df, to: 'offline' }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

describe('outpost features', () => {
  it('applies a YAML file and prints the plan; the same file again (as JSON) changes nothing', async () => {
    const { run } = await cli.newProject();
    const first = await run('features', 'apply', file(definitions()));
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim().split('\n')).toEqual([
      'created\tentity driver',
      'created\tfeature view driver_stats',
      'created\tfeature service driver_model_v1',
      '3 created, 0 updated, 0 unchanged, 0 deleted',
    ]);
    const again = await run('--json', 'features', 'apply', file(definitions(), 'json'));
    expect(again.code, again.stderr).toBe(0);
    const plan = JSON.parse(again.stdout);
    expect(plan.unchanged).toEqual({ entities: ['driver'], feature_views: ['driver_stats'], feature_services: ['driver_model_v1'] });
    for (const action of ['created', 'updated', 'deleted'] as const) expect(plan[action]).toEqual({ entities: [], feature_views: [], feature_services: [] });
    expect(plan.breaking).toEqual([]);
  });

  it('refuses a breaking change with the hub\'s message and exit code 1, and makes it with --force', async () => {
    const { run } = await cli.newProject();
    expect((await run('features', 'apply', file(definitions()))).code).toBe(0);
    const retyped = file(definitions('string'));
    const refused = await run('features', 'apply', retyped);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim()).toBe(
      'error: breaking changes refused (apply with force: true to make them): field "driver_stats:trips" changes type from int64 to string; rerun with --force to make them',
    );
    const ls = JSON.parse((await run('--json', 'features', 'ls')).stdout);
    expect(ls.feature_views[0].schema[1]).toEqual({ name: 'trips', dtype: 'int64' }); // nothing of the refused apply stored

    const forced = await run('features', 'apply', retyped, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('updated\tfeature view driver_stats');
    expect(forced.stdout).toContain('breaking (forced)\tfield "driver_stats:trips" changes type from int64 to string');
    const after = JSON.parse((await run('--json', 'features', 'ls')).stdout);
    expect(after.feature_views[0].schema[1]).toEqual({ name: 'trips', dtype: 'string' });
  });

  it('lists views and services, as lines and as JSON', async () => {
    const { run } = await cli.newProject();
    const empty = await run('features', 'ls');
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('no feature views or services');
    await run('features', 'apply', file(definitions()));
    const ls = await run('features', 'ls');
    expect(ls.stdout.trim().split('\n')).toEqual([
      'feature views:',
      '  driver_stats\tdriver(driver_id)\t2 fields\tttl none\tpush:driver_stats_push\tonline\tmaterialized until -',
      'feature services:',
      '  driver_model_v1\t2 features\tdriver_stats:conv_rate,driver_stats:trips',
    ]);
    const json = JSON.parse((await run('features', 'ls', '--json')).stdout);
    expect(json.entities.map((e: { name: string }) => e.name)).toEqual(['driver']);
    expect(json.feature_views[0]).toMatchObject({ name: 'driver_stats', ttl: 0, online: true, devices: false, materialized_until: null });
    expect(json.feature_services[0].features).toEqual(['driver_stats:conv_rate', 'driver_stats:trips']);
  });

  it('materializes a window, then incrementally, and reads the online values with their statuses', async () => {
    const { admin, run } = await cli.newProject();
    await run('features', 'apply', file(definitions()));
    await pushOffline(admin, {
      driver_id: [1001, 1002, 1001],
      event_timestamp: ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', '2026-03-01T00:00:00Z'],
      created: ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', '2026-03-01T00:00:00Z'],
      conv_rate: [0.5, 0.7, 0.9],
      trips: [10, null, 30],
    });
    const window = await run('features', 'materialize', '--start', '2025-12-01T00:00:00Z', '--end', '2026-02-01T00:00:00Z');
    expect(window.code, window.stderr).toBe(0);
    expect(window.stdout.trim()).toBe('driver_stats\t2025-12-01T00:00:00.000Z → 2026-02-01T00:00:00.000Z\t2 rows');

    const get = await run('features', 'get', 'driver_model_v1', '--entity', 'driver_id=1001', '--entity', 'driver_id=1002', '--entity', 'driver_id=7');
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout.trim().split('\n')).toEqual([
      'driver_id=1001',
      '  conv_rate\t0.5\tPRESENT\t2026-01-01T00:00:00Z',
      '  trips\t10\tPRESENT\t2026-01-01T00:00:00Z',
      'driver_id=1002',
      '  conv_rate\t0.7\tPRESENT\t2026-01-02T00:00:00Z',
      '  trips\t-\tNULL_VALUE\t2026-01-02T00:00:00Z',
      'driver_id=7',
      '  conv_rate\t-\tNOT_FOUND',
      '  trips\t-\tNOT_FOUND',
    ]);

    // Incremental from where the window stopped (epoch ms works as well as ISO 8601): the March row arrives.
    const incremental = await run('--json', 'features', 'materialize', '--incremental', '--end', String(Date.parse('2026-04-01T00:00:00Z')), '--views', 'driver_stats');
    expect(incremental.code, incremental.stderr).toBe(0);
    expect(JSON.parse(incremental.stdout)).toEqual({
      views: [{ name: 'driver_stats', start_ts: Date.parse('2026-02-01T00:00:00Z'), end_ts: Date.parse('2026-04-01T00:00:00Z'), rows: 1 }],
    });
    const refs = await run('--json', 'features', 'get', 'driver_stats:trips,driver_stats:conv_rate', '--entity', 'driver_id=1001', '--full-names');
    expect(refs.code, refs.stderr).toBe(0);
    expect(JSON.parse(refs.stdout)).toEqual({
      metadata: { feature_names: ['driver_id', 'driver_stats__trips', 'driver_stats__conv_rate'] },
      results: [{ values: [1001, 30, 0.9], statuses: ['PRESENT', 'PRESENT', 'PRESENT'], event_timestamps: ['1970-01-01T00:00:00Z', '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z'] }],
    });
    const ls = JSON.parse((await run('--json', 'features', 'ls')).stdout);
    expect(ls.feature_views[0].materialized_until).toBe(Date.parse('2026-04-01T00:00:00Z'));
  });

  it('reports what the hub refuses with exit code 1: an unknown service, a view that is not there, a timestamp that does not parse', async () => {
    const { run } = await cli.newProject();
    await run('features', 'apply', file(definitions()));
    const service = await run('features', 'get', 'no_such_service', '--entity', 'driver_id=1');
    expect(service.code).toBe(1);
    expect(service.stderr.trim()).toBe('error: feature_service: no feature service "no_such_service"');
    const view = await run('features', 'materialize', '--start', '2026-01-01', '--end', '2026-02-01', '--views', 'nope');
    expect(view.code).toBe(1);
    expect(view.stderr).toContain('nope');
    const time = await run('features', 'materialize', '--start', 'yesterday', '--end', '2026-02-01');
    expect(time.code).toBe(1);
    expect(time.stderr.trim()).toBe('error: start_ts: "yesterday" is not a timestamp (ISO 8601, "2022-05-13 10:59:42" as UTC, or epoch ms)');
  });

  it('exits 2 on bad usage, naming what was wrong', async () => {
    const { run } = await cli.newProject();
    await run('features', 'apply', file(definitions()));
    const usage: Array<[string[], string]> = [
      [['features', 'apply', join(cli.work, 'missing.yaml')], `cannot read ${join(cli.work, 'missing.yaml')}: no such file`],
      [['features', 'apply', file('entities: [unclosed')], 'is not valid YAML'],
      [['features', 'apply', file(['a list'])], 'must hold a mapping with entities, feature_views and feature_services'],
      [['features', 'materialize', '--end', '2026-02-01'], '--start is required (or --incremental)'],
      [['features', 'materialize', '--incremental', '--start', '2026-01-01', '--end', '2026-02-01'], '--start and --incremental exclude each other'],
      [['features', 'materialize', '--start', '2026-01-01'], "required option '--end <time>' not specified"],
      [['features', 'get', 'driver_model_v1'], 'give the entity to read with --entity key=value'],
      [['features', 'get', '--entity', 'driver_id=1'], "missing required argument 'service-or-refs'"],
      [['features', 'get', 'driver_model_v1', '--entity', 'driver_id'], '--entity takes key=value, got "driver_id"'],
      [['features', 'get', 'driver_model_v1', '--entity', 'driver_id=one'], '--entity driver_id: "one" is not an int64'],
      [['features', 'get', 'driver_stats:trips:x', '--entity', 'driver_id=1'], 'features are view:field references separated by commas'],
      [['features', 'apply'], "missing required argument 'file'"],
    ];
    for (const [args, message] of usage) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
    const mismatched = await run('features', 'get', 'driver_model_v1', '--entity', 'driver_id=1', '--entity', 'other=2', '--entity', 'other=3');
    expect(mismatched.code).toBe(2);
    expect(mismatched.stderr.trim()).toBe('error: every join key needs the same number of --entity values (driver_id: 1, other: 2)');
  });
});
