import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { TEST_LIMITS, testAdminKey } from './hub-env.js';
import { freePort, startProcess, stopProcess, waitForHealthy } from './processes.js';

const WRANGLER = join('node_modules', 'wrangler', 'bin', 'wrangler.js');
const quietEnv = { WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' };

/** The hub HTTP suite's workerd target: `wrangler dev` on loopback with local D1 and R2, migrations applied as in production. */
export default async function setup(project: TestProject) {
  if (!existsSync('dist/console/index.html')) execFileSync(process.execPath, ['--import', 'tsx', 'build/console.ts'], { stdio: 'inherit' });
  const persist = mkdtempSync(join(tmpdir(), 'outpost-workerd-'));
  execFileSync(process.execPath, [WRANGLER, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist], {
    env: { ...process.env, ...quietEnv },
    stdio: 'pipe',
  });
  // The Worker serves the runtime from R2: upload the files the suite fetches, as `npm run worker:runtime` does.
  if (!existsSync('dist/runtime/runtime.js')) execFileSync(process.execPath, ['--import', 'tsx', 'build/runtime.ts'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/upload-runtime.mjs', '--local', '--persist-to', persist, '--only', 'runtime.js,runtime/build.json,runtime/ort/ort.wasm.bundle.min.mjs'], { env: { ...process.env, ...quietEnv }, stdio: 'pipe' });
  const port = await freePort();
  const adminKey = testAdminKey();
  const vars = Object.entries({ OUTPOST_ADMIN_KEY: adminKey, OUTPOST_DEMO: '0', ...TEST_LIMITS }).flatMap(([k, v]) => ['--var', `${k}:${v}`]);
  const hub = startProcess(
    process.execPath,
    // --test-scheduled: GET /__scheduled runs the cron trigger (webhook retries), as Cloudflare does each minute.
    [WRANGLER, 'dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()), '--persist-to', persist, '--test-scheduled', ...vars],
    quietEnv,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHealthy(url, hub, 90_000);
  project.provide('hub', { runtime: 'workerd', url, adminKey });
  return async () => {
    // OUTPOST_HUB_LOG=FILE keeps the Worker's log (its 500s' stacks) after the suite.
    if (process.env.OUTPOST_HUB_LOG) writeFileSync(process.env.OUTPOST_HUB_LOG, hub.output());
    await stopProcess(hub);
    rmSync(persist, { recursive: true, force: true });
  };
}
