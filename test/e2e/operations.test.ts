import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../shared/ids.js';
import { linearModelOnnx } from '../../hub/registry/onnx/write.js';
import { CLI_ENTRY, freePort, hubArgs, startProcess, stopProcess, waitForHealthy, type Started } from '../helpers/processes.js';

const work = mkdtempSync(join(tmpdir(), 'outpost-ops-'));
const liveDir = join(work, 'live');
const bootstrapKey = newApiKey('secret');
const hubs: Started[] = [];
let url = '';

async function startHub(dataDir: string) {
  const port = await freePort();
  const hub = startProcess(process.execPath, hubArgs(), { OUTPOST_DATA_DIR: dataDir, OUTPOST_PORT: String(port), OUTPOST_ADMIN_KEY: bootstrapKey, OUTPOST_DEMO: '0' });
  hubs.push(hub);
  await waitForHealthy(`http://127.0.0.1:${port}`, hub);
  return { hub, url: `http://127.0.0.1:${port}` };
}

beforeAll(async () => {
  url = (await startHub(liveDir)).url;
});
afterAll(async () => {
  for (const hub of hubs) await stopProcess(hub);
  rmSync(work, { recursive: true, force: true });
});

/** The `outpost` CLI as an operator runs it on the hub's machine. */
function outpost(...args: string[]) {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], { env: { ...process.env, OUTPOST_DATA_DIR: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

const api = (base: string, key: string) => async (path: string, init: { method?: string; json?: unknown; body?: Uint8Array } = {}) => {
  const res = await fetch(base + path, {
    method: init.method ?? (init.json === undefined && init.body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${key}`, 'content-type': init.body ? 'application/octet-stream' : 'application/json' },
    body: init.body ? Buffer.from(init.body) : init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  return { status: res.status, bytes, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
};

const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function newProject(name: string) {
  const created = await api(url, bootstrapKey)('/v1/projects', { json: { name } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const key: string = created.body.adminKey.secret;
  const call = api(url, key);
  const upload = async (bytes: Uint8Array) => {
    const digest = digestOf(bytes);
    const r = await call(`/v1/blobs/${digest}`, { method: 'PUT', body: bytes });
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    return { digest, size: bytes.byteLength };
  };
  /** Registers an ONNX model version whose one file is `bytes`. */
  const register = async (model: string, bytes: Uint8Array) => {
    await call('/v1/models', { json: { name: model } });
    const file = await upload(bytes);
    const r = await call(`/v1/models/${model}/versions`, { json: { format: 'onnx', files: [{ path: 'model.onnx', ...file }] } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return { ...file, version: r.body.version.version as number };
  };
  return { id: created.body.project.id as string, key, call, upload, register };
}

/** Row counts of every table of a hub database. */
async function rowCounts(dbFile: string): Promise<Record<string, number>> {
  const db = createClient({ url: `file:${dbFile}` });
  try {
    const tables = await db.execute("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name");
    const counts: Record<string, number> = {};
    for (const { name } of tables.rows) counts[String(name)] = Number((await db.execute(`select count(*) as n from "${String(name)}"`)).rows[0]!.n);
    return counts;
  } finally {
    db.close();
  }
}

/** The digest of every blob file under a blob folder, computed from the bytes. */
function blobFiles(blobDir: string): string[] {
  const root = join(blobDir, 'sha256');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => digestOf(readFileSync(join(e.parentPath, e.name))))
    .sort();
}

async function sql(statement: string, args: Array<string | number> = []) {
  const db = createClient({ url: `file:${join(liveDir, 'hub.db')}` });
  try {
    await db.execute('PRAGMA busy_timeout = 5000');
    return await db.execute({ sql: statement, args });
  } finally {
    db.close();
  }
}

describe('outpost backup and restore', () => {
  it('backs up a serving hub and restores it into an empty folder: the same rows, the same blobs, a hub that serves them', async () => {
    const p = await newProject('backup');
    const model = linearModelOnnx({ inputSize: 8, outputSize: 3 });
    const v1 = await p.register('digits', model);
    const loose = await p.upload(new TextEncoder().encode(`a loose blob ${Math.random()}`));
    const experiment = (await p.call('/v1/experiments', { json: { name: 'e' } })).body.experiment;
    const run = (await p.call('/v1/runs', { json: { experimentId: experiment.id } })).body.run;
    expect((await p.call(`/v1/runs/${run.id}/log`, { json: { params: { lr: '0.1' }, metrics: [{ key: 'loss', steps: [0, 1, 2], values: [3, 2, 1], timestamps: [1, 2, 3] }] } })).status).toBeLessThan(300);

    const before = await rowCounts(join(liveDir, 'hub.db'));
    // The hub keeps serving while the backup runs: reads of the model, and writes (new runs) that the snapshot may or may not hold.
    let serving = true;
    const traffic = (async () => {
      const statuses: number[] = [];
      while (serving) {
        statuses.push((await p.call(`/v1/blobs/${v1.digest}`)).status);
        statuses.push((await p.call('/v1/runs', { json: { experimentId: experiment.id } })).status);
      }
      return statuses;
    })();
    const file = join(work, 'hub.outpost-backup');
    const backup = await outpost('backup', file, '--data-dir', liveDir);
    serving = false;
    const statuses = await traffic;
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/backed up the database .* and \d+ blob\(s\)/);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200 || s === 201), statuses.join(',')).toBe(true);
    const after = await rowCounts(join(liveDir, 'hub.db'));

    const restoredDir = join(work, 'restored');
    const restore = await outpost('restore', file, '--data-dir', restoredDir);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/every digest checked/);

    // Rows: every table as the live hub had it when the snapshot was taken (between the counts before and after).
    const restored = await rowCounts(join(restoredDir, 'hub.db'));
    expect(Object.keys(restored).sort()).toEqual(Object.keys(after).sort());
    for (const [table, n] of Object.entries(restored)) {
      expect(n, table).toBeGreaterThanOrEqual(before[table]!);
      expect(n, table).toBeLessThanOrEqual(after[table]!);
    }
    // Blobs: the restored files hash to exactly the digests the restored database lists.
    const listed = (await createClient({ url: `file:${join(restoredDir, 'hub.db')}` }).execute('select digest from blobs order by digest')).rows.map((r) => String(r.digest));
    expect(blobFiles(join(restoredDir, 'blobs'))).toEqual(listed);
    expect(listed).toEqual(expect.arrayContaining([v1.digest, loose.digest]));

    // A hub started on the restored folder serves the same model bytes, run and keys.
    const second = await startHub(restoredDir);
    const restoredApi = api(second.url, p.key);
    const manifest = await restoredApi('/v1/models/digits/versions/1/manifest');
    expect(manifest.status).toBe(200);
    const blob = await restoredApi(`/v1/blobs/${v1.digest}`);
    expect(blob.status).toBe(200);
    expect(Buffer.compare(Buffer.from(blob.bytes), Buffer.from(model))).toBe(0);
    expect((await restoredApi(`/v1/runs/${run.id}`)).body.run.params).toEqual({ lr: '0.1' });
  });

  it('refuses to restore over a hub, and restores nothing from an archive with a damaged blob', async () => {
    const p = await newProject('damaged');
    const marker = `damage-me-${Math.random().toString(36).slice(2)}`;
    const blob = await p.upload(new TextEncoder().encode(marker.repeat(20)));
    const file = join(work, 'damaged.outpost-backup');
    expect((await outpost('backup', file, '--data-dir', liveDir)).code).toBe(0);

    const over = await outpost('restore', file, '--data-dir', liveDir);
    expect(over.code).toBe(1);
    expect(over.stderr).toMatch(/exists: restore only into an empty data folder/);

    const archive = readFileSync(file);
    const at = archive.indexOf(marker);
    expect(at).toBeGreaterThan(0);
    archive[at] = archive[at]! ^ 0xff;
    writeFileSync(file, archive);
    const target = join(work, 'never');
    const damaged = await outpost('restore', file, '--data-dir', target);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toContain(`blob ${blob.digest} in the archive hashes to sha256:`);
    expect(damaged.stderr).toContain('nothing was restored');
    expect(existsSync(join(target, 'hub.db'))).toBe(false);
    expect(blobFiles(join(target, 'blobs'))).toEqual([]);
  });

  it('restores a backup made without blob bytes from the old blob folder, checking each', async () => {
    // A blob of its own: in a shuffled order this test may run before any other put one in the hub.
    const p = await newProject('no-blobs');
    await p.upload(new TextEncoder().encode(`lean ${Math.random()}`));
    const file = join(work, 'lean.outpost-backup');
    const lean = await outpost('backup', file, '--data-dir', liveDir, '--no-blobs');
    expect(lean.code, lean.stderr).toBe(0);
    const full = statSync(file).size;
    const without = await outpost('restore', file, '--data-dir', join(work, 'lean-a'));
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/not in the archive \(pass --blobs-from DIR\)/);
    const withBlobs = await outpost('restore', file, '--data-dir', join(work, 'lean-b'), '--blobs-from', join(liveDir, 'blobs'));
    expect(withBlobs.code, withBlobs.stderr).toBe(0);
    expect(full).toBeGreaterThan(0);
    const listed = (await createClient({ url: `file:${join(work, 'lean-b', 'hub.db')}` }).execute('select digest from blobs order by digest')).rows.map((r) => String(r.digest));
    expect(blobFiles(join(work, 'lean-b', 'blobs'))).toEqual(listed);
  });
});

describe('outpost gc', () => {
  it('deletes blobs no project refers to once past the grace period, sparing referenced and young ones; --dry-run deletes nothing', async () => {
    const p = await newProject('gc');
    const unreferencedOld = await p.upload(new TextEncoder().encode(`old and loose ${Math.random()}`));
    const unreferencedYoung = await p.upload(new TextEncoder().encode(`young and loose ${Math.random()}`));
    const referenced = await p.register('kept', linearModelOnnx({ inputSize: 5, outputSize: 2 }));
    // A version deleted: its file is no longer referenced by anything.
    const dropped = await p.register('dropped', linearModelOnnx({ inputSize: 6, outputSize: 2 }));
    expect((await p.call(`/v1/models/dropped/versions/${dropped.version}`, { method: 'DELETE' })).status).toBeLessThan(300);
    // Three of them uploaded two days ago.
    const old = Date.now() - 2 * 86_400_000;
    for (const digest of [unreferencedOld.digest, referenced.digest, dropped.digest]) {
      await sql('update blobs set created_at = ? where digest = ?', [old, digest]);
      await sql('update project_blobs set created_at = ? where digest = ?', [old, digest]);
    }

    const dry = await outpost('--json', 'gc', '--data-dir', liveDir, '--grace', '24h', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    const planned = JSON.parse(dry.stdout);
    expect(planned.blobs.sort()).toEqual([unreferencedOld.digest, dropped.digest].sort());
    expect((await p.call(`/v1/blobs/${unreferencedOld.digest}`, { method: 'HEAD' })).status).toBe(200);

    const done = await outpost('--json', 'gc', '--data-dir', liveDir, '--grace', '24h');
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout).blobs.sort()).toEqual(planned.blobs);
    for (const gone of [unreferencedOld, dropped]) {
      expect((await p.call(`/v1/blobs/${gone.digest}`, { method: 'HEAD' })).status).toBe(404);
      expect(blobFiles(join(liveDir, 'blobs'))).not.toContain(gone.digest);
    }
    for (const kept of [unreferencedYoung, referenced]) expect((await p.call(`/v1/blobs/${kept.digest}`)).status).toBe(200);
    expect((await p.call('/v1/models/kept/versions/1/manifest')).status).toBe(200);
    // Deleted bytes can be uploaded again.
    expect((await p.call(`/v1/blobs/${unreferencedOld.digest}`, { method: 'PUT', body: new TextEncoder().encode('wrong') })).status).toBe(422);
    // A second run finds nothing more past the grace period.
    const again = await outpost('--json', 'gc', '--data-dir', liveDir, '--grace', '24h');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).blobs).toEqual([]);
  });

  it('drops device telemetry older than the retention and keeps the rest', async () => {
    const p = await newProject('gc-telemetry');
    const now = Date.now();
    const minute = (t: number) => t - (t % 60_000);
    const row = (at: number) =>
      sql('insert into telemetry_minutes (project_id, model_id, version, backend, minute, count, errors, latency_sum_ms, histogram, last_seen) values (?, ?, 1, ?, ?, 1, 0, 5, ?, ?)', [p.id, 'mdl_gc', 'wasm', minute(at), '{"10":1}', at]);
    const device = (id: string, at: number) => sql('insert into telemetry_devices (project_id, model_id, version, backend, device_id, first_seen, last_seen) values (?, ?, 1, ?, ?, ?, ?)', [p.id, 'mdl_gc', 'wasm', id, at, at]);
    await row(now - 100 * 86_400_000);
    await row(now - 86_400_000);
    await device('old-device', now - 100 * 86_400_000);
    await device('recent-device', now - 86_400_000);
    const count = async (table: string) => Number((await sql(`select count(*) as n from ${table} where project_id = ?`, [p.id])).rows[0]!.n);

    const dry = JSON.parse((await outpost('--json', 'gc', '--data-dir', liveDir, '--dry-run', '--telemetry-retention', '90d')).stdout);
    expect(dry).toMatchObject({ dryRun: true, telemetryMinutes: 1, telemetryDevices: 1 });
    expect(await count('telemetry_minutes')).toBe(2);

    const done = await outpost('--json', 'gc', '--data-dir', liveDir, '--telemetry-retention', '90d');
    expect(done.code, done.stderr).toBe(0);
    expect(await count('telemetry_minutes')).toBe(1);
    expect(await count('telemetry_devices')).toBe(1);
    expect((await sql('select device_id from telemetry_devices where project_id = ?', [p.id])).rows[0]!.device_id).toBe('recent-device');
  });

  it('names a bad duration as a usage error', async () => {
    const r = await outpost('gc', '--data-dir', liveDir, '--grace', 'a while');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"a while" is not a duration');
  });
});
