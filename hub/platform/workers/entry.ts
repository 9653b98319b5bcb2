import type { D1Database, DurableObjectNamespace, Fetcher, R2Bucket } from '@cloudflare/workers-types';
import { drizzle } from 'drizzle-orm/d1';
import { createApp } from '../../app.js';
import { runPeriodicWork } from '../../core/periodic.js';
import { readConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import * as schema from '../../db/schema.js';
import type { AssetServer } from '../../http/env.js';
import { ensureDefaultProject } from '../../projects/projects.js';
import { sweepPipelines } from '../../pipelines/triggers.js';
import { isRuntimeAssetPath } from '../runtime-paths.js';
import { DurableRateLimiter } from './rate-limit.js';
import { R2BlobStore } from './r2-store.js';
import { r2RuntimeAssets } from './runtime-assets.js';
import { deliveryOptions, drainDeliveries, type WebhookPlatform } from '../../webhooks/platform.js';

export interface WorkerBindings {
  DB: D1Database;
  BLOBS: R2Bucket;
  ASSETS?: Fetcher;
  /** The rate-limit counters (wrangler.toml); without the binding, each isolate counts for itself. */
  RATE_LIMITS?: DurableObjectNamespace;
  [variable: string]: unknown;
}

type Hub = ReturnType<typeof createApp>;
let hub: Promise<Hub> | undefined;
let opened: { db: Db; config: ReturnType<typeof readConfig> } | undefined;

/** How long one waitUntil or cron run keeps delivering webhooks. */
const DELIVERY_BUDGET_MS = 25_000;

/**
 * Workers cannot resolve host names (literal IPs are still checked); deliveries run after the response, in waitUntil.
 * One drain per isolate at a time: a write while one runs asks it for another pass instead of starting a second
 * loop (and a second query) of its own, so a burst of writes costs one delivery loop, not one per write.
 */
const workerWebhooks = (db: Db, config: ReturnType<typeof readConfig>): WebhookPlatform => {
  let running = false;
  let again = false;
  const drain = async () => {
    const until = Date.now() + DELIVERY_BUDGET_MS;
    running = true;
    try {
      do {
        again = false;
        await drainDeliveries(db, deliveryOptions(config), until - Date.now());
      } while (again && Date.now() < until);
    } finally {
      running = false;
    }
  };
  return {
    nudge: (c) => {
      if (running) again = true;
      else c.executionCtx.waitUntil(drain().catch((err) => console.error('webhook delivery failed:', err)));
    },
  };
};

async function openDb(env: WorkerBindings, url?: string, authToken?: string): Promise<Db> {
  if (!url) return drizzle(env.DB as never, { schema }) as unknown as Db;
  // Turso over HTTP; its migrations are applied with `npm run db:migrate` (workerd has no file system).
  const { createClient } = await import('@libsql/client/web');
  const { drizzle: drizzleLibsql } = await import('drizzle-orm/libsql');
  return drizzleLibsql(createClient({ url, authToken }), { schema }) as unknown as Db;
}

/** Builds the app once per isolate; D1 migrations are applied by `wrangler d1 migrations apply`. */
async function start(env: WorkerBindings): Promise<Hub> {
  const config = readConfig(env);
  const db = await openDb(env, env.OUTPOST_DB_URL as string | undefined, config.dbToken);
  await ensureDefaultProject(db, config.adminKey);
  const assetsBinding = env.ASSETS;
  const consoleAssets: AssetServer | undefined = assetsBinding
    ? async (request) => {
        const response = (await assetsBinding.fetch(request.url, { method: request.method, headers: request.headers as never })) as unknown as Response;
        return response.status === 404 ? null : response;
      }
    : undefined;
  // The console from static assets; the runtime from R2, since onnxruntime's wasm is over the static-asset size limit.
  const runtimeAssets = r2RuntimeAssets(env.BLOBS);
  const assets: AssetServer = async (request) => (isRuntimeAssetPath(new URL(request.url).pathname) ? runtimeAssets(request) : (consoleAssets?.(request) ?? null));
  const rateLimiter = env.RATE_LIMITS ? new DurableRateLimiter(env.RATE_LIMITS) : undefined;
  opened = { db, config };
  return createApp({ db, config, blobs: new R2BlobStore(env.BLOBS), assets, rateLimiter, webhooks: workerWebhooks(db, config) });
}

export { RateLimitCounter } from './rate-limit.js';

const hubOf = (env: WorkerBindings) =>
  (hub ??= start(env).catch((err) => {
    hub = undefined; // let the next request try again
    throw err;
  }));

export default {
  async fetch(request: Request, env: WorkerBindings, ctx: unknown): Promise<Response> {
    return (await hubOf(env)).fetch(request, env, ctx as never);
  },
  /**
   * The cron trigger (wrangler.toml): webhook retries no request has sent since they fell due, rollout checks
   * (hub/core/periodic.ts), expired pipeline leases settled and scheduled or event-triggered pipeline runs started.
   */
  async scheduled(controller: { scheduledTime: number }, env: WorkerBindings, ctx: { waitUntil(p: Promise<unknown>): void }): Promise<void> {
    await hubOf(env);
    const { db, config } = opened!;
    const report = (line: string) => console.error(`[outpost] ${line}`);
    ctx.waitUntil(Promise.all([drainDeliveries(db, deliveryOptions(config), DELIVERY_BUDGET_MS), runPeriodicWork(db, report), sweepPipelines(db, Math.max(Date.now(), controller.scheduledTime))]));
  },
};
