import { serve } from '@hono/node-server';
import { CONSOLE_DIR, ensureConsoleBuilt } from '../../../build/console.js';
import { ensureRuntimeBuilt, RUNTIME_DIR } from '../../../build/runtime.js';
import { createApp } from '../../app.js';
import { runPeriodicWork } from '../../core/periodic.js';
import { ConfigError, readConfig } from '../../config.js';
import { openLibsql } from '../../db/libsql.js';
import { openReadConnection } from '../../db/read-connection.js';
import { registerDemoPipeline } from '../../demo/pipeline.js';
import { seedDemo } from '../../demo/seed.js';
import { ensureDefaultProject } from '../../projects/projects.js';
import { hubAssets } from './assets.js';
import { readNodeBody } from './read-body.js';
import { FsBlobStore } from './fs-store.js';
import { nodeModelServer, preloadServed } from './serving.js';
import { WebhookLoop } from './webhook-loop.js';
import { startPipelineSweep } from './pipeline-sweep.js';
import { graceLeasesAfterStart } from '../../pipelines/leases.js';

const log = (line: string) => console.error(`[outpost] ${line}`);

async function main() {
  const config = readConfig(process.env);
  await ensureConsoleBuilt(log);
  await ensureRuntimeBuilt(log);
  const { db, close } = await openLibsql(config.dbUrl, config.dbToken);
  const reads = openReadConnection(config.dbUrl);
  const { project, created, newAdminKey } = await ensureDefaultProject(db, config.adminKey);
  // The only line with a key on stdout, printed once for a new database (DESIGN §10).
  if (newAdminKey) console.log(`admin key: ${newAdminKey}`);
  const blobs = new FsBlobStore(config.blobDir);
  if (created && config.demo) {
    await seedDemo(db, blobs, project.id);
    log('seeded the demo: experiment "digits-training", models "digits" and "digits-tfjs" (OUTPOST_DEMO=0 turns this off)');
  }
  if (config.demo) {
    // Bundled from examples/pipelines/ on each start (same code → same version); not fatal: the hub runs without it.
    const demoPipeline = await registerDemoPipeline(db, blobs, project.id, created).catch((err: Error) => void log(`the demo pipeline was not registered: ${err.message}`));
    if (demoPipeline?.created) log(`registered the demo pipeline ${demoPipeline.ref}: run \`npx outpost runner\`, then push a new version of "digits-samples"`);
  }

  const serving = nodeModelServer(db, blobs, process.env);
  const webhooks = new WebhookLoop(db, config.webhooks).start();
  const app = createApp({ db, reads: reads ?? undefined, config, blobs, assets: hubAssets(CONSOLE_DIR, RUNTIME_DIR), readBody: readNodeBody, serving, webhooks });
  // Leases that ran out while this hub was down are given their length again: their runners could not heartbeat.
  await graceLeasesAfterStart(db);
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    log(`hub listening on http://${config.host}:${info.port} (project "${project.name}", data in ${config.dataDir})`);
    log(`console: http://${config.host}:${info.port}/   API reference: http://${config.host}:${info.port}/docs`);
    void preloadServed(serving, db, project.id, serving.preload, log);
  });

  // Rollout checks and other timed work (hub/core/periodic.ts); a tick never overlaps the one before.
  let ticking = false;
  const tick = setInterval(() => {
    if (ticking) return;
    ticking = true;
    void runPeriodicWork(db, log).finally(() => (ticking = false));
  }, 1000);
  tick.unref();
  const stopSweep = startPipelineSweep(db, log);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    clearInterval(tick);
    stopSweep();
    server.close(() => {
      void Promise.all([serving.close(), webhooks.stop()]).finally(() => {
        reads?.close();
        close();
        process.exit(0);
      });
    });
    // Keep-alive connections would hold close() open: idle ones go now, busy ones get a second to finish.
    const http = server as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
    http.closeIdleConnections?.();
    setTimeout(() => http.closeAllConnections?.(), 1000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    console.error(`outpost: ${err.message}`);
  } else {
    console.error('outpost: the hub could not start:', err);
  }
  process.exit(1);
});
