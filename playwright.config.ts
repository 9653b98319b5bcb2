import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import { newApiKey } from './shared/ids.js';
import { chromiumArgs, chromiumPath } from './test/e2e/browser.js';
import { freePort, hubArgs } from './test/helpers/processes.js';

// One hub for the browser tier, on a temp folder; workers inherit these through the environment.
// The port is one the OS hands out as free, so two runs side by side cannot pick the same one.
process.env.OUTPOST_E2E_PORT ??= String(await freePort());
process.env.OUTPOST_E2E_KEY ??= newApiKey('secret');
process.env.OUTPOST_E2E_DIR ??= mkdtempSync(join(tmpdir(), 'outpost-e2e-'));
const url = `http://127.0.0.1:${process.env.OUTPOST_E2E_PORT}`;

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.e2e.ts',
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  timeout: 60_000,
  use: {
    baseURL: url,
    launchOptions: { executablePath: chromiumPath(), args: chromiumArgs() },
    viewport: { width: 1280, height: 800 },
  },
  webServer: {
    command: ['node', ...hubArgs()].join(' '),
    url: `${url}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    env: {
      OUTPOST_PORT: process.env.OUTPOST_E2E_PORT,
      OUTPOST_DATA_DIR: process.env.OUTPOST_E2E_DIR,
      OUTPOST_ADMIN_KEY: process.env.OUTPOST_E2E_KEY,
      OUTPOST_DEMO: '0',
      // Every browser test shares this hub and 127.0.0.1; some send bad keys on purpose.
      OUTPOST_AUTH_FAILURE_LIMIT: '1000/1m',
      OUTPOST_DEVICE_RATE_LIMIT: '100000/1m',
      // Webhook receivers in the tests listen on 127.0.0.1.
      OUTPOST_WEBHOOK_ALLOW_PRIVATE: '1',
    },
  },
});
