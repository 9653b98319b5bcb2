import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { TEST_LIMITS, testAdminKey } from './hub-env.js';
import { freePort, hubArgs, startProcess, stopProcess, waitForHealthy } from './processes.js';

/** The hub HTTP suite's Node target: the real hub process, as `npm start` runs it, on a temp folder. */
export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(join(tmpdir(), 'outpost-node-'));
  const port = await freePort();
  const adminKey = testAdminKey();
  const hub = startProcess(process.execPath, hubArgs(), {
    OUTPOST_DATA_DIR: dataDir,
    OUTPOST_PORT: String(port),
    OUTPOST_ADMIN_KEY: adminKey,
    OUTPOST_DEMO: '0',
    ...TEST_LIMITS,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealthy(url, hub);
  project.provide('hub', { runtime: 'node', url, adminKey, dataDir });
  return async () => {
    await stopProcess(hub);
    rmSync(dataDir, { recursive: true, force: true });
  };
}
