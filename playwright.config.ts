import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import { newApiKey } from './shared/ids.js';
import { chromiumArgs, chromiumPath } from './test/e2e/browser.js';

// One hub for the browser tier, on a temp folder; workers inherit these through the environment.
process.env.OUTPOST_E2E_PORT ??= String(8900 + Math.floor(Math.random() * 90));
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
    command: 'node --import tsx hub/platform/node/server.ts',
    url: `${url}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    env: {
      OUTPOST_PORT: process.env.OUTPOST_E2E_PORT,
      OUTPOST_DATA_DIR: process.env.OUTPOST_E2E_DIR,
      OUTPOST_ADMIN_KEY: process.env.OUTPOST_E2E_KEY,
      OUTPOST_DEMO: '0',
    },
  },
});
