// First: the shared zod schemas get `.openapi` (used by the routes) only when made after this extends zod.
import '@hono/zod-openapi';
import { auditChanges } from './audit/record.js';
import { auditRoutes } from './audit/routes.js';
import { blobRoutes } from './blobs/routes.js';
import { keyRoutes } from './auth/routes.js';
import { teamRoutes } from './teams/routes.js';
import { SyncDispatcher } from './core/sync/dispatcher.js';
import { syncRoutes } from './core/sync/routes.js';
import { projectRoutes } from './projects/routes.js';
import { datasetRoutes } from './datasets/routes.js';
import { rolloutRoutes } from './rollouts/routes.js';
import { featureRoutes } from './features/routes.js';
import { featureSyncHandlers } from './features/sync.js';
import { pipelineRoutes } from './pipelines/routes.js';
import { mlflowRoutes } from './mlflow/index.js';
import { registryRoutes } from './registry/routes.js';
import { registerServingDocs } from './serving/openapi.js';
import { servingRoutes } from './serving/routes.js';
import { telemetryRoutes } from './telemetry/routes.js';
import { telemetrySyncHandlers } from './telemetry/sync.js';
import { trackingRoutes } from './tracking/routes.js';
import { cicdRoutes } from './cicd/routes.js';
import { webhookRoutes } from './webhooks/routes.js';
import { runSyncHandlers } from './tracking/sync.js';
import { renderReference } from './docs/reference.js';
import type { HubDeps } from './http/env.js';
import { crossOrigin, isolatedPages } from './http/cross-origin.js';
import { handleError } from './http/errors.js';
import { pageHeaders } from './http/page-headers.js';
import { requestLog } from './http/request-log.js';
import { MemoryRateLimiter } from './http/rate-limit.js';
import { newRouter } from './http/openapi.js';
import { isRuntimeAssetPath } from './platform/runtime-paths.js';
import { OutpostError } from '../shared/errors.js';
import { VERSION } from './version.js';

const isApiPath = (path: string) => /^\/(v1|v2|api|ajax-api|feast)(\/|$)/.test(path);

const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'Outpost hub', version: VERSION, description: 'Projects, keys, content-addressed blobs, experiment tracking and device sync for models at the edge. MLflow\'s tracking REST API is also served, under /api/2.0/mlflow/ (see MLflow\'s own reference).' },
};

/** The whole hub as one Hono app; Node and Workers entries only supply its dependencies. */
export function createApp(platformDeps: Omit<HubDeps, 'rateLimiter'> & Partial<Pick<HubDeps, 'rateLimiter'>>) {
  // Counters in this process unless the platform shares them (Workers: a Durable Object per bucket).
  const deps: HubDeps = { ...platformDeps, rateLimiter: platformDeps.rateLimiter ?? new MemoryRateLimiter() };
  const app = newRouter();
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    if (deps.reads) c.set('reads', deps.reads.forRequest());
    await next();
  });
  app.onError(handleError);
  if (deps.config.logRequests) app.use('*', requestLog((line) => console.error(`[outpost] ${line}`)));
  // Inference first: none of the middleware below applies to /v2 (its replies are not pages, a run writes nothing to
  // audit or to send to webhooks), and it is the hub's hottest path. Skipping those layers, with `c.get` for `c.var`
  // (which copies every variable into a new object at each use), took the hub's CPU for an inference of a tiny model
  // under 64 clients from ≈ 0.40 to ≈ 0.32 ms.
  app.route('/', servingRoutes);
  app.use('*', isolatedPages);
  app.use('*', pageHeaders);
  // The browser runtime's files (served by `deps.assets`), which customer pages load with <script> and importScripts.
  const runtimeFiles = crossOrigin({ resourcePolicy: true });
  app.use('*', (c, next) => (isRuntimeAssetPath(c.req.path) ? runtimeFiles(c, next) : next()));

  // Events a write queued go out soon after it (the Node timer loop, or the Worker's waitUntil). Inference, mounted
  // above, never gets here: it writes nothing, and nudging on each one ran a delivery pass every 25 ms under load.
  app.use('*', async (c, next) => {
    await next();
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.res.status < 400) deps.webhooks?.nudge(c);
  });

  // Every change made through the API goes into the audit log before its reply leaves (hub/audit/record.ts).
  app.use('*', auditChanges);

  // Each domain applies its own device sync items; feature pushes, dataset uploads and runner reports register here too.
  const sync = new SyncDispatcher().register(runSyncHandlers).register(telemetrySyncHandlers).register(featureSyncHandlers);

  app.get('/healthz', async (c) => c.json({ ok: true, version: VERSION }));
  app.route('/', mlflowRoutes);

  const routes = app
    .route('/', projectRoutes)
    .route('/', keyRoutes)
    .route('/', teamRoutes)
    .route('/', blobRoutes)
    .route('/', trackingRoutes)
    .route('/', registryRoutes)
    .route('/', telemetryRoutes)
    .route('/', featureRoutes)
    .route('/', datasetRoutes)
    .route('/', rolloutRoutes)
    .route('/', cicdRoutes)
    .route('/', webhookRoutes)
    .route('/', pipelineRoutes)
    .route('/', auditRoutes)
    .route('/', syncRoutes(sync));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'sk_… or pk_… key' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', { type: 'apiKey', in: 'cookie', name: 'outpost.session_token', description: 'a person signed in (POST /v1/session); `__Secure-outpost.session_token` on https' });
  registerServingDocs(app);
  app.doc31('/openapi.json', OPENAPI);
  app.get('/docs', (c) => c.html(renderReference(app.getOpenAPI31Document(OPENAPI) as never)));

  app.notFound(async (c) => {
    if (!isApiPath(c.req.path) && deps.assets && (c.req.method === 'GET' || c.req.method === 'HEAD')) {
      const asset = await deps.assets(c.req.raw);
      if (asset) return asset;
    }
    return handleError(new OutpostError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}; see /docs`), c);
  });
  return routes;
}
