import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KEY_RE } from '../../shared/ids.js';

const folders: string[] = [];
afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
/** An empty data folder of the test's own. */
function newDataDir() {
  folders.push(mkdtempSync(join(tmpdir(), 'outpost-start-')));
  return folders.at(-1)!;
}

interface Hub {
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** Ctrl-C: SIGINT to the whole process group, as a terminal sends it; resolves once all of it has exited. */
  interrupt: () => Promise<void>;
}

/** Runs `npm start` exactly as the README says, in its own process group, on a temp data folder. */
async function npmStart(dataDir: string, env: Record<string, string> = {}): Promise<Hub> {
  const child = spawn('npm', ['start'], {
    env: { ...process.env, OUTPOST_DATA_DIR: dataDir, OUTPOST_PORT: '0', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  let url: string | undefined;
  while (!url) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${out}\n${err}`);
    if (Date.now() > deadline) throw new Error(`npm start did not listen within 60 s:\n${out}\n${err}`);
    url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err)?.[1];
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stdout: () => out,
    stderr: () => err,
    interrupt: async () => {
      process.kill(-child.pid!, 'SIGINT');
      await exited;
      // npm itself dies of the SIGINT at once; the hub under it must stop on its own (its process group empties)
      // within 15 s, polled, or it is killed and the test fails.
      const alive = () => {
        try {
          process.kill(-child.pid!, 0);
          return true;
        } catch {
          return false;
        }
      };
      const deadline = Date.now() + 15_000;
      while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const stuck = alive();
      if (stuck) process.kill(-child.pid!, 'SIGKILL');
      expect(stuck, 'the hub was still running 15 s after Ctrl-C').toBe(false);
      expect(err).toContain('SIGINT: stopping');
      expect(err).not.toMatch(/could not start|unhandled/);
    },
  };
}

const blob = new TextEncoder().encode('weights that must survive a restart');
const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
const adminKeyOf = (hub: Hub) => /^admin key: (\S+)$/m.exec(hub.stdout())![1]!;
const putBlob = (hub: Hub, key: string) => fetch(`${hub.url}/v1/blobs/${digest}`, { method: 'PUT', body: blob, headers: { authorization: `Bearer ${key}` } });

describe('npm start', () => {
  it('starts on an empty folder, prints one admin key, serves /healthz and the console, and stops on Ctrl-C', async () => {
    const dataDir = newDataDir();
    const hub = await npmStart(dataDir);
    const keyLines = hub.stdout().split('\n').filter((l) => l.includes('sk_'));
    expect(keyLines).toHaveLength(1);
    expect(keyLines[0]).toMatch(/^admin key: sk_[A-Za-z0-9_-]{43}$/);
    const adminKey = keyLines[0]!.slice('admin key: '.length);
    expect(adminKey).toMatch(KEY_RE);

    expect(await (await fetch(`${hub.url}/healthz`)).json()).toMatchObject({ ok: true });
    const page = await fetch(`${hub.url}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<title>Outpost</title>');

    const me = await fetch(`${hub.url}/v1/project`, { headers: { authorization: `Bearer ${adminKey}` } });
    expect((await me.json()).project.name).toBe('default');
    // The demo went into the same project: runs with curves, and two models with aliases.
    const auth = { headers: { authorization: `Bearer ${adminKey}` } };
    const models = (await (await fetch(`${hub.url}/v1/models`, auth)).json()).models;
    expect(models.map((m: { name: string }) => m.name).sort()).toEqual(['digits', 'digits-tfjs']);
    expect(models.find((m: { name: string }) => m.name === 'digits').aliases).toEqual({ production: 2, staging: 1 });
    const experiments = (await (await fetch(`${hub.url}/v1/experiments`, auth)).json()).experiments;
    const runs = await fetch(`${hub.url}/v1/runs/search`, {
      method: 'POST',
      headers: { ...auth.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ experimentIds: experiments.map((e: { id: string }) => e.id), filter: 'metrics.loss < 1' }),
    });
    const found = (await runs.json()).runs;
    expect(found.length).toBeGreaterThanOrEqual(5);
    expect(found[0].metrics.loss.count).toBe(200);
    // …and a day of demo device telemetry, so the Devices page has something to show.
    const telemetry = (await (await fetch(`${hub.url}/v1/telemetry`, auth)).json()).series;
    expect(telemetry.map((s: { model: string }) => s.model)).toEqual(expect.arrayContaining(['digits', 'digits-tfjs']));
    expect(telemetry.every((s: { devices: number; count: number }) => s.devices > 0 && s.count > 0)).toBe(true);
    // …and a feature view, online, with the service the production model names as trained on.
    const view = await (await fetch(`${hub.url}/v1/features/views/writer_stats`, auth)).json();
    expect(view.stats).toMatchObject({ offline_rows: 400, online_rows: 50 });
    const service = await (await fetch(`${hub.url}/v1/features/services/digits_personalization`, auth)).json();
    expect(service.model_versions).toEqual([{ model: 'digits', version: 2 }]);
    expect((await putBlob(hub, adminKey)).status).toBe(201);

    await hub.interrupt();
    expect(existsSync(join(dataDir, 'hub.db'))).toBe(true);
    expect(existsSync(join(dataDir, 'blobs', 'sha256', digest.slice(7, 9), digest.slice(9)))).toBe(true);
  });

  it('restarts on the same database without printing a key, keeping keys and blobs', async () => {
    const dataDir = newDataDir();
    const first = await npmStart(dataDir, { OUTPOST_DEMO: '0' });
    const adminKey = adminKeyOf(first);
    expect((await putBlob(first, adminKey)).status).toBe(201);
    await first.interrupt();
    const hub = await npmStart(dataDir, { OUTPOST_DEMO: '0' });
    expect(hub.stdout()).not.toContain('sk_');
    const res = await fetch(`${hub.url}/v1/blobs/${digest}`, { headers: { authorization: `Bearer ${adminKey}` } });
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(blob);
    await hub.interrupt();
  });

  it('seeds no demo with OUTPOST_DEMO=0', async () => {
    const hub = await npmStart(newDataDir(), { OUTPOST_DEMO: '0' });
    const key = adminKeyOf(hub);
    const models = await (await fetch(`${hub.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).json();
    expect(models.models).toEqual([]);
    expect(hub.stderr()).not.toContain('seeded the demo');
    await hub.interrupt();
  });

  it('refuses to start with a bad setting and names it', async () => {
    const child = spawn('npm', ['start'], { env: { ...process.env, OUTPOST_DATA_DIR: newDataDir(), OUTPOST_PORT: 'http' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(err).toContain('invalid configuration: OUTPOST_PORT');
  });
});
