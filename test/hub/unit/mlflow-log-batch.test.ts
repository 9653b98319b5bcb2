import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../hub/app.js';
import { FsBlobStore } from '../../../hub/platform/node/fs-store.js';
import { readConfig } from '../../../hub/config.js';
import type { Db } from '../../../hub/db/client.js';
import { openLibsql } from '../../../hub/db/libsql.js';
import { ensureDefaultProject } from '../../../hub/projects/projects.js';
import { newApiKey } from '../../../shared/ids.js';

// In process, so the database can be made to fail in the middle of a batch: a trigger refuses one metric's chunk.
let dir: string;
let db: Db;
let close: () => void;
let app: ReturnType<typeof createApp>;
const key = newApiKey('secret');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-log-batch-'));
  ({ db, close } = await openLibsql(`file:${join(dir, 'hub.db')}`));
  await ensureDefaultProject(db, key);
  app = createApp({ db, blobs: new FsBlobStore(join(dir, 'blobs')), config: readConfig({ OUTPOST_DATA_DIR: dir }) });
  await db.run(sql.raw("CREATE TRIGGER refuse_boom BEFORE INSERT ON metric_chunks WHEN NEW.key = 'boom' BEGIN SELECT RAISE(ABORT, 'injected failure'); END"));
});
afterAll(() => {
  close();
  rmSync(dir, { recursive: true, force: true });
});

async function mlflow(endpoint: string, body?: unknown) {
  const init = body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
  const res = await app.request(`/api/2.0/mlflow/${endpoint}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as any };
}

describe('MLflow log-batch', () => {
  it('writes params, tags and metrics in one atomic batch: a failure in the metrics part leaves no params or tags behind', async () => {
    const run = (await mlflow('runs/create', { experiment_id: '0' })).body.run.info.run_id as string;
    const batch = (metric: string, suffix: string) => ({
      run_id: run,
      params: [{ key: `lr-${suffix}`, value: '0.1' }],
      tags: [{ key: `team-${suffix}`, value: 'vision' }, { key: 'mlflow.runName', value: `named-${suffix}` }],
      metrics: [{ key: metric, value: 1, timestamp: 1_700_000_000_000, step: 0 }],
    });
    const failed = await mlflow('runs/log-batch', batch('boom', 'a'));
    expect(failed).toMatchObject({ status: 500, body: { error_code: 'INTERNAL_ERROR' } });
    let data = (await mlflow(`runs/get?run_id=${run}`)).body.run;
    expect(data.data.params).toBeUndefined();
    expect(data.data.tags.map((t: { key: string }) => t.key)).not.toContain('team-a');
    expect(data.data.metrics).toBeUndefined();
    expect(data.info.run_name).not.toBe('named-a');

    // The same shape with a metric the database takes lands whole, so the refusal above was the trigger's alone.
    expect((await mlflow('runs/log-batch', batch('fine', 'b'))).status).toBe(200);
    data = (await mlflow(`runs/get?run_id=${run}`)).body.run;
    expect(data.data.params).toEqual([{ key: 'lr-b', value: '0.1' }]);
    expect(data.data.tags).toContainEqual({ key: 'team-b', value: 'vision' });
    expect(data.data.metrics).toEqual([{ key: 'fine', value: 1, timestamp: 1_700_000_000_000, step: 0 }]);
    expect(data.info.run_name).toBe('named-b');
  });

  it('writes the params and tags of a retried batch whose points were logged before', async () => {
    const run = (await mlflow('runs/create', { experiment_id: '0' })).body.run.info.run_id as string;
    const metrics = [{ key: 'loss', value: 0.5, timestamp: 1_700_000_000_000, step: 1 }];
    expect((await mlflow('runs/log-batch', { run_id: run, metrics })).status).toBe(200);
    expect((await mlflow('runs/log-batch', { run_id: run, metrics, tags: [{ key: 'stage', value: 'two' }] })).status).toBe(200);
    const data = (await mlflow(`runs/get?run_id=${run}`)).body.run.data;
    expect(data.tags).toContainEqual({ key: 'stage', value: 'two' });
    const history = (await mlflow(`metrics/get-history?run_id=${run}&metric_key=loss`)).body;
    expect(history.metrics).toHaveLength(1);
  });
});
