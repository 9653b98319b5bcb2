import type { D1Database, DurableObjectNamespace, Fetcher, R2Bucket } from '@cloudflare/workers-types';
import { drizzle } from 'drizzle-orm/d1';
import { createApp } from '../../app.js';
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
  return createApp({ db, config, blobs: new R2BlobStore(env.BLOBS), assets, rateLimiter });
}

export { RateLimitCounter } from './rate-limit.js';

export default {
  async fetch(request: Request, env: WorkerBindings, ctx: unknown): Promise<Response> {
    hub ??= start(env).catch((err) => {
      hub = undefined; // let the next request try again
      throw err;
    });
    return (await hub).fetch(request, env, ctx as never);
  },
  /** The cron trigger (wrangler.toml): expired pipeline leases settled, scheduled and event-triggered runs started. */
  async scheduled(controller: { scheduledTime: number }, env: WorkerBindings, ctx: { waitUntil(p: Promise<unknown>): void }): Promise<void> {
    const db = await openDb(env, env.OUTPOST_DB_URL as string | undefined, readConfig(env).dbToken);
    ctx.waitUntil(sweepPipelines(db, Math.max(Date.now(), controller.scheduledTime)));
  },
};
