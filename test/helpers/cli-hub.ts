import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { newApiKey } from '../../shared/ids.js';
import { CLI_ENTRY, freePort, hubArgs, startProcess, stopProcess, waitForHealthy, type Started } from './processes.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A real Node hub for a CLI test file (started before its tests, stopped after), a work folder, and the `outpost`
 * command run as a user would, against that hub. Each test takes a project of its own with `newProject()`.
 */
export function cliHub(name: string) {
  const work = mkdtempSync(join(tmpdir(), `outpost-${name}-`));
  const key = newApiKey('secret');
  let hub: Started | undefined;
  let url = '';
  let projects = 0;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    hub = startProcess(process.execPath, hubArgs(), {
      OUTPOST_DATA_DIR: join(work, 'hub'),
      OUTPOST_PORT: String(port),
      OUTPOST_ADMIN_KEY: key,
      OUTPOST_DEMO: '0',
      OUTPOST_LOG: 'requests',
    });
    await waitForHealthy(url, hub);
  });
  afterAll(async () => {
    if (hub) await stopProcess(hub);
    rmSync(work, { recursive: true, force: true });
  });

  /** Runs `outpost` with a project's key; `child` is there for tests that kill it. */
  function outpost(projectKey: string, args: string[]) {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], { env: { ...process.env, OUTPOST_HUB: url, OUTPOST_KEY: projectKey }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const done = new Promise<CliResult>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
    return { child, done };
  }

  /** A project of the test's own, so no test sees another's data; `run` is the CLI with its admin key. */
  async function newProject() {
    const res = await fetch(`${url}/v1/projects`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: `${name}-${projects++}` }) });
    expect(res.status).toBe(201);
    const admin: string = (await res.json()).adminKey.secret;
    return { admin, run: async (...args: string[]) => outpost(admin, args).done };
  }

  return {
    work,
    get url() {
      return url;
    },
    /** What the hub printed so far (its request log included). */
    output: () => hub?.output() ?? '',
    outpost,
    newProject,
  };
}
