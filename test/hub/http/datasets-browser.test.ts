import { beforeAll, describe, expect, it } from 'vitest';
import { call, newProject, randomBytes, sha256Hex, type TestProject } from '../../helpers/client.js';

let p: TestProject;
beforeAll(async () => {
  p = await newProject('datasets-browser');
});

const uuid = () => crypto.randomUUID();
const sync = (items: unknown[], key = p.keys.write) => call('/v1/sync', { key, json: { items } });
const statuses = (reply: { body: { results: { status: string }[] } }) => reply.body.results.map((r) => r.status);

/** A one-file version of `name`; returns its manifest digest. */
async function version(name: string): Promise<string> {
  const body = randomBytes(32);
  const digest = `sha256:${await sha256Hex(body)}`;
  await call(`/v1/blobs/${digest}`, { key: p.keys.write, method: 'PUT', body });
  const r = await call(`/v1/datasets/${name}/versions`, { key: p.keys.write, json: { files: [{ path: 'a.bin', digest, size: 32 }] } });
  expect(r.status).toBe(201);
  return r.body.version.manifestDigest;
}

describe('dataset versions a device run read, through /v1/sync', () => {
  it('records a run.datasets item as the run input and lineage, and a replay changes nothing', async () => {
    const name = `sd-${uuid().slice(0, 8)}`;
    const manifestDigest = await version(name);
    const runId = uuid();
    const items = [
      { id: uuid(), type: 'run.create', runId, experiment: 'on-device', startTime: 1_700_000_000_000 },
      { id: uuid(), type: 'run.datasets', runId, datasets: [{ ref: `${name}/1`, context: 'training' }] },
    ];
    expect(statuses(await sync(items))).toEqual(['applied', 'applied']);
    expect(statuses(await sync(items))).toEqual(['duplicate', 'duplicate']);
    const hubId = runId.replace(/-/g, '');
    const run = (await call(`/v1/runs/${hubId}`, { key: p.keys.read })).body.run;
    expect(run.inputs).toEqual([
      { dataset: { name, digest: manifestDigest, sourceType: 'outpost', source: `outpost://${name}/1`, schema: null, profile: null }, tags: { 'mlflow.data.context': 'training' } },
    ]);
    const lineage = (await call(`/v1/datasets/${name}/versions/1/lineage`, { key: p.keys.read })).body;
    expect(lineage.runs.map((r: { id: string }) => r.id)).toEqual([hubId]);
  });

  it('rejects an unknown ref alone, making no run for it, and a publishable key, which reads no datasets', async () => {
    const name = `sd-${uuid().slice(0, 8)}`;
    await version(name);
    const runId = uuid();
    const unknown = await sync([{ id: uuid(), type: 'run.datasets', runId, datasets: [{ ref: `${name}/9` }] }]);
    expect(unknown.body.results[0]).toMatchObject({ status: 'rejected', error: { code: 'not_found' } });
    expect((await call(`/v1/runs/${runId.replace(/-/g, '')}`, { key: p.keys.read })).status).toBe(404);

    const device = await sync([{ id: uuid(), type: 'run.datasets', runId, datasets: [{ ref: `${name}/1` }] }], p.keys.device);
    expect(device.body.results[0]).toMatchObject({ status: 'rejected', error: { code: 'forbidden', message: expect.stringContaining('publishable keys cannot record dataset inputs') } });
    const empty = await sync([{ id: uuid(), type: 'run.datasets', runId, datasets: [] }]);
    expect(empty.body.results[0]).toMatchObject({ status: 'rejected', error: { code: 'validation_failed', message: expect.stringContaining('datasets') } });
  });
});

describe('dataset reads from pages on other origins', () => {
  it('answers preflights and echoes the origin on a version and its files, the routes the runtime reads', async () => {
    const name = `sd-${uuid().slice(0, 8)}`;
    await version(name);
    for (const path of [`/v1/datasets/${name}/versions/1`, `/v1/datasets/${name}/versions/current/files`]) {
      const pre = await call(path, { method: 'OPTIONS', headers: { origin: 'https://tool.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
      expect(pre.status, path).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe('https://tool.example');
    }
    const files = await call(`/v1/datasets/${name}/versions/1/files`, { key: p.keys.read, headers: { origin: 'https://tool.example' } });
    expect(files.status).toBe(200);
    expect(files.headers.get('access-control-allow-origin')).toBe('https://tool.example');
    expect(files.body.files.map((f: { path: string }) => f.path)).toEqual(['a.bin']);
  });
});
