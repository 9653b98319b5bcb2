import { Hono } from 'hono';
import type { HubEnv } from '../http/env.js';
import { artifactProxyRoutes } from './artifact-proxy.js';
import { mlflowErrorHandler } from './errors.js';
import { experimentRoutes } from './experiments.js';
import { inputRoutes } from './inputs.js';
import { loggingRoutes } from './logging.js';
import { readRoutes } from './reads.js';
import { registryAliasRoutes } from './registry-aliases.js';
import { registeredModelRoutes } from './registry-models.js';
import { modelVersionRoutes } from './registry-versions.js';
import { runRoutes } from './runs.js';

/**
 * MLflow's tracking REST API (2.0), so `MLFLOW_TRACKING_URI=http://hub` with `MLFLOW_TRACKING_TOKEN=<sk_ key>`
 * works. Every route is served under `/api/2.0/mlflow/` and, as MLflow's own server does for its UI, under
 * `/ajax-api/2.0/mlflow/`. A plain Hono app rather than an OpenAPI router: these shapes are MLflow's, documented by
 * MLflow, and errors are `{"error_code","message"}` rather than Outpost's envelope.
 */
const endpoints = new Hono<HubEnv>()
  .route('/', experimentRoutes)
  .route('/', runRoutes)
  .route('/', loggingRoutes)
  .route('/', inputRoutes)
  .route('/', readRoutes)
  // The Model Registry API (model_registry.proto): registered models, model versions and aliases.
  .route('/', registeredModelRoutes)
  .route('/', registryAliasRoutes)
  .route('/', modelVersionRoutes);
// Set on both apps: Hono applies a sub-app's onError when it is mounted, so errors keep MLflow's shape however
// this app is mounted.
endpoints.onError(mlflowErrorHandler);
artifactProxyRoutes.onError(mlflowErrorHandler);

export const mlflowRoutes = new Hono<HubEnv>();
mlflowRoutes.onError(mlflowErrorHandler);
mlflowRoutes.route('/api/2.0/mlflow', endpoints).route('/ajax-api/2.0/mlflow', endpoints);
// MLflow's artifact proxy, where `mlflow-artifacts:/` URIs (every run's artifact_uri here) resolve.
mlflowRoutes.route('/api/2.0/mlflow-artifacts', artifactProxyRoutes).route('/ajax-api/2.0/mlflow-artifacts', artifactProxyRoutes);
