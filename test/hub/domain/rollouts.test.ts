import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../hub/app.js';
import { readConfig } from '../../../hub/config.js';
import { runPeriodicWork } from '../../../hub/core/periodic.js';
import { openLibsql } from '../../../hub/db/libsql.js';
import { FsBlobStore } from '../../../hub/platform/node/fs-store.js';
import { createProject } from '../../../hub/projects/projects.js';
import { linearModelOnnx } from '../../../hub/registry/onnx/write.js';
import { sha256Digest } from '../../../shared/digest.js';
import { TEST_LIMITS } from '../../helpers/hub-env.js';
import { reportFigures } from '../../helpers/telemetry.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A hub in this process over a libSQL file in `dir`; a second one over the same folder is the hub after a restart. */
async function hubAt(dir: string, adminKey?: string) {
  const config = readConfig({ OUTPOST_DATA_DIR: dir, OUTPOST_DEMO: '0', ...TEST_LIMITS });
  const { db, close } = await openLibsql(config.dbUrl);
  const app = createApp({ db, blobs: new FsBlobStore(config.blobDir), config });
  const key = adminKey ?? (await createProject({ db }, 'rollouts')).adminKey.secret;
  const request = async (path: string, init: { json?: unknown; body?: Uint8Array; method?: string } = {}) => {
    const body = init.body ?? (init.json === undefined ? undefined : JSON.stringify(init.json));
    const method = init.method ?? (body === undefined ? 'GET' : 'POST');
    const res = await app.request(path, { method, headers: { authorization: `Bearer ${key}`, 'content-type': init.body ? 'application/octet-stream' : 'application/json' }, body: body as BodyInit | undefined });
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };
  let closed = false;
  const stop = () => {
    if (!closed) close();
    closed = true;
  };
  cleanups.push(async () => stop());
  return { db, key, request, stop };
}

describe('staged rollouts across a restart', () => {
  it('keeps a running rollout through a restart, and the timed check decides it with no request asking', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outpost-rollouts-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const first = await hubAt(dir);
    const bytes = linearModelOnnx({ inputSize: 2, outputSize: 1 }) as Uint8Array<ArrayBuffer>;
    const digest = await sha256Digest(bytes);
    expect((await first.request(`/v1/blobs/${digest}`, { method: 'PUT', body: bytes })).status).toBeLessThan(300);
    expect((await first.request('/v1/models', { json: { name: 'm', devices: true } })).status).toBe(201);
    for (let i = 0; i < 2; i++) expect((await first.request('/v1/models/m/versions', { json: { format: 'onnx', files: [{ path: 'model.onnx', digest, size: bytes.byteLength }] } })).status).toBe(201);
    expect((await first.request('/v1/models/m/aliases/production', { method: 'PUT', json: { version: 1 } })).status).toBe(200);
    const started = await first.request('/v1/models/m/rollouts', { json: { alias: 'production', to: 2, steps: [50, 100], interval: '1s', minRequests: 5, maxErrorRate: 0.1 } });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    first.stop();

    const second = await hubAt(dir, first.key);
    expect((await second.request(`/v1/models/m/rollouts/${id}`)).body).toMatchObject({ state: 'running', step: 0, percent: 50 });
    const now = Date.now();
    const report = { id: crypto.randomUUID(), type: 'telemetry', model: 'm', version: 2, backend: 'wasm', deviceId: 'd', periodStart: now - 1000, periodEnd: now, ...reportFigures([5, 6, 7, 8, 9, 10]) };
    expect((await second.request('/v1/sync', { json: { items: [report] } })).body.results[0].status).toBe('applied');
    // The Node timer's (and the Workers cron's) work, with a clock past the interval: the step passes.
    const lines: string[] = [];
    await runPeriodicWork(second.db, (l) => lines.push(l), Date.now() + 1500);
    expect(lines).toEqual([]);
    const [row] = await second.db.query.rollouts.findMany({ where: (r, { eq }) => eq(r.id, id) });
    expect(row).toMatchObject({ state: 'running', step: 1, percent: 100 });
    expect(row!.decisions.at(-1)).toMatchObject({ action: 'advanced', actor: 'hub', candidate: { requests: 6, errors: 0 } });
  });
});
