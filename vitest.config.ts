import { defineConfig } from 'vitest/config';

const hubSuite = 'test/hub/http/**/*.test.ts';

/**
 * Test tiers (DESIGN §8). The hub HTTP suite runs twice from the same files: against the Node hub
 * process and against the hub on workerd (`wrangler dev` with local D1 and R2).
 */
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/shared/**/*.test.ts', 'test/hub/unit/**/*.test.ts', 'test/runtime/**/*.test.ts', 'test/console/**/*.test.ts'] } },
      // Domain functions and the app in this process (test/helpers/app.ts): no hub process, no console build.
      { test: { name: 'domain', include: ['test/hub/domain/**/*.test.ts'], setupFiles: ['test/helpers/zod-openapi.setup.ts'] } },
      // Hostile requests generated from /openapi.json against the app in this process (test/hub/fuzz/, docs/hardening.md).
      { test: { name: 'fuzz', include: ['test/hub/fuzz/**/*.test.ts'], setupFiles: ['test/helpers/zod-openapi.setup.ts'], testTimeout: 3_600_000, hookTimeout: 60_000 } },
      { test: { name: 'hub-node', include: [hubSuite], globalSetup: ['test/helpers/node-hub.setup.ts'], testTimeout: 20_000 } },
      {
        test: { name: 'hub-workerd', include: [hubSuite], globalSetup: ['test/helpers/workerd-hub.setup.ts'], testTimeout: 20_000, hookTimeout: 120_000 },
      },
      // Whole processes (npm start, the CLI against a hub): one file at a time, so they do not starve each other.
      { test: { name: 'start', include: ['test/e2e/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false } },
    ],
  },
});
