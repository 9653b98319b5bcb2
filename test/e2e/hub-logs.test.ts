import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../shared/ids.js';
import { freePort, hubArgs, startProcess, stopProcess, waitForHealthy, type Started } from '../helpers/processes.js';

const work = mkdtempSync(join(tmpdir(), 'outpost-logs-'));
const adminKey = newApiKey('secret');
let hub: Started;
let url = '';

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  // Every request logged, as an operator debugging the hub would run it.
  hub = startProcess(process.execPath, hubArgs(), { OUTPOST_DATA_DIR: work, OUTPOST_PORT: String(port), OUTPOST_ADMIN_KEY: adminKey, OUTPOST_DEMO: '0', OUTPOST_LOG: 'requests' });
  await waitForHealthy(url, hub);
});
afterAll(async () => {
  await stopProcess(hub);
  rmSync(work, { recursive: true, force: true });
});

const send = (path: string, key: string, json?: unknown) =>
  fetch(url + path, { method: json === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: json === undefined ? undefined : JSON.stringify(json) });

describe("the Node hub's log", () => {
  it('holds no key and none of the values bound to a failed query, while saying what failed', async () => {
    const created = await (await send('/v1/projects', adminKey, { name: 'logs' })).json();
    const projectKey: string = created.adminKey.secret;
    const device: string = (await (await send('/v1/keys', projectKey, { kind: 'publishable', name: 'page' })).json()).secret;
    const secretValue = `user-secret-${Math.random().toString(36).slice(2)}`;

    // Keys sent every way a client might: good, wrong, revoked, and in a query string.
    expect((await send('/v1/project', projectKey)).status).toBe(200);
    expect((await send('/v1/project', device)).status).toBe(200);
    expect((await send('/v1/project', newApiKey('secret'))).status).toBe(401);
    expect((await send(`/v1/project?key=${projectKey}&token=${device}`, projectKey)).status).toBe(200);
    const experiment = (await (await send('/v1/experiments', projectKey, { name: 'logged' })).json()).experiment;
    expect((await send('/v1/runs/search', projectKey, { experimentIds: [experiment.id], filter: `params.lr = '${secretValue}'` })).status).toBe(200);

    // A write that fails inside the database (a trigger added from outside stands in for any failing statement).
    const db = createClient({ url: `file:${join(work, 'hub.db')}` });
    await db.execute('PRAGMA busy_timeout = 5000');
    await db.execute("CREATE TRIGGER logs_test_fail BEFORE INSERT ON experiments WHEN NEW.name LIKE 'explode-%' BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END");
    db.close();
    const failed = await send('/v1/experiments', projectKey, { name: `explode-${secretValue}` });
    expect(failed.status).toBe(500);
    expect(JSON.stringify(await failed.json())).not.toContain(secretValue);
    const mlflow = await send('/api/2.0/mlflow/experiments/create', projectKey, { name: `explode-mlflow-${secretValue}` });
    expect(mlflow.status).toBe(500);

    await expect.poll(() => hub.output()).toMatch(/unhandled error on POST \/api\/2\.0\/mlflow\/experiments\/create/);
    const log = hub.output();
    // Nothing a reader of the log could use or should not see...
    for (const secret of [adminKey, projectKey, device, secretValue]) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/\b(sk|pk)_[A-Za-z0-9_-]{43}/);
    // ...while it still says what happened.
    expect(log).toMatch(/unhandled error on POST \/v1\/experiments\n[\s\S]*Failed query: insert into "experiments"/);
    expect(log).toContain('refused by the test trigger');
    expect(log).toMatch(/--> GET \/v1\/project \S*200/);
  });
});
