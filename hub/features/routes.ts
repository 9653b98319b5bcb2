import {
  applyFeaturesSchema,
  applyPlanSchema,
  featureListSchema,
  historicalReplySchema,
  historicalRequestSchema,
  materializeIncrementalSchema,
  materializeReplySchema,
  materializeSchema,
  onlineReplySchema,
  onlineRequestSchema,
  pushReplySchema,
  pushSchema,
  featureServiceDetailSchema,
  featureViewDetailSchema,
  saveTrainingSetSchema,
  tableFormatQuerySchema,
  trainingSetListSchema,
  trainingSetRowsSchema,
  trainingSetSchema,
} from '../../shared/schemas/features.js';
import { z } from '@hono/zod-openapi';
import { access } from '../auth/access.js';
import { crossOrigin } from '../http/cross-origin.js';
import { body, errorResponses, hubRoute, json, newRouter } from '../http/openapi.js';
import { scopeOf } from '../http/scope.js';
import { applyDefinitions } from './apply.js';
import { HISTORICAL_ROW_LIMIT, historicalFeatures } from './historical.js';
import { materialize, materializeIncremental } from './materialize.js';
import { ONLINE_ROW_LIMIT, readOnline } from './online.js';
import { PUSH_ROW_LIMIT, pushRows } from './push.js';
import { listDefinitions } from './registry.js';
import { dtypesOf } from './selection.js';
import { requireTimestamp } from './values.js';
import { serviceDetail, viewDetail } from './detail.js';
import { toParquet } from './tables.js';
import { listTrainingSets, readTrainingSet, saveTrainingSet } from './training-sets.js';

const nameParam = z.object({ name: z.string().min(1).max(128) });
const parquet = { 'application/vnd.apache.parquet': { schema: z.string().meta({ format: 'binary' }) } };
const parquetReply = (bytes: Uint8Array, name: string) =>
  new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/vnd.apache.parquet', 'content-disposition': `attachment; filename="${name}.parquet"` } });

const router = newRouter();
// Pages on other origins read device features with publishable keys.
router.use('/feast/get-online-features', crossOrigin());

const tags = ['features'];

/** The feature store's native routes (`/v1/features/…`) and Feast's feature server API (`/feast/…`). */
export const featureRoutes = router
  .openapi(
    hubRoute({
      method: 'post',
      path: '/v1/features/apply',
      tags,
      summary: 'Apply feature definitions (entities, feature views, feature services); replies with the plan',
      description:
        'The document is the whole desired state: what it lacks is deleted. Breaking changes (a field changes type or disappears, a view disappears or changes its join keys) are 409 naming each, unless `force: true`, which also drops the changed views\' stored rows. The same document twice changes nothing.',
      middleware: access({ secret: 'write' }),
      request: body(applyFeaturesSchema),
      responses: { 200: { description: 'The plan', content: json(applyPlanSchema) }, ...errorResponses(400, 401, 403, 409) },
    }),
    async (c) => {
      const { force, ...doc } = c.req.valid('json');
      return c.json(await applyDefinitions(scopeOf(c), doc, force), 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'get',
      path: '/v1/features',
      tags,
      summary: 'The feature definitions: entities, feature views (with where incremental materialization stopped), feature services',
      middleware: access({ secret: 'read' }),
      responses: { 200: { description: 'Definitions', content: json(featureListSchema) }, ...errorResponses(401, 403) },
    }),
    async (c) => {
      const { entities, views, services } = await listDefinitions(scopeOf(c));
      return c.json(
        {
          entities: entities.map((e) => e.definition),
          feature_views: views.map((v) => ({ ...v.definition, materialized_until: v.materializedUntil })),
          feature_services: services.map((s) => s.definition),
        },
        200,
      );
    },
  )
  .openapi(
    hubRoute({
      method: 'post',
      path: '/v1/features/historical',
      tags,
      summary: 'Point-in-time-correct training rows: one per entity row, in request order',
      description: `Per entity row (key k, time t) and view with TTL T: the row of k with the greatest event time in [t − T, t] (no lower bound when T is 0); with a created-timestamp column, rows created after t are left out unless \`createdFilter: false\`; ties go to the greatest created time, then the latest write. At most ${HISTORICAL_ROW_LIMIT} entity rows.`,
      middleware: access({ secret: 'read' }),
      request: { query: tableFormatQuerySchema, ...body(historicalRequestSchema) },
      responses: { 200: { description: 'Columns (JSON), or a Parquet file with ?format=parquet', content: { ...json(historicalReplySchema), ...parquet } }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { columns, features } = await historicalFeatures(scopeOf(c), c.req.valid('json'));
      if (c.req.valid('query').format === 'parquet') return parquetReply(toParquet(columns, dtypesOf(features)), 'historical');
      return c.json({ columns }, 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'get',
      path: '/v1/features/views/{name}',
      tags,
      summary: 'One feature view with its freshness (rows offline and online, newest event time, last materialization) and the services that read it',
      middleware: access({ secret: 'read' }),
      request: { params: nameParam },
      responses: { 200: { description: 'The view', content: json(featureViewDetailSchema) }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await viewDetail(scopeOf(c), c.req.valid('param').name), 200),
  )
  .openapi(
    hubRoute({
      method: 'get',
      path: '/v1/features/services/{name}',
      tags,
      summary: 'One feature service with the model versions trained on it',
      middleware: access({ secret: 'read' }),
      request: { params: nameParam },
      responses: { 200: { description: 'The service', content: json(featureServiceDetailSchema) }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await serviceDetail(scopeOf(c), c.req.valid('param').name), 200),
  )
  .openapi(
    hubRoute({
      method: 'post',
      path: '/v1/features/training-sets',
      tags,
      summary: "Save a historical request's rows as a named training set",
      description:
        'The rows are frozen in a blob with the definition digest (the request and the definitions of the views it reads). Saving the same request under the same name again is 200 with the set already saved; another request under a saved name is 409.',
      middleware: access({ secret: 'write' }),
      request: body(saveTrainingSetSchema),
      responses: { 201: { description: 'Saved', content: json(trainingSetSchema) }, 200: { description: 'Saved before', content: json(trainingSetSchema) }, ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { name, ...request } = c.req.valid('json');
      const { set, created } = await saveTrainingSet(scopeOf(c), name, request);
      return c.json(set, created ? 201 : 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'get',
      path: '/v1/features/training-sets',
      tags,
      summary: 'The saved training sets',
      middleware: access({ secret: 'read' }),
      responses: { 200: { description: 'Training sets', content: json(trainingSetListSchema) }, ...errorResponses(401, 403) },
    }),
    async (c) => c.json({ training_sets: await listTrainingSets(scopeOf(c)) }, 200),
  )
  .openapi(
    hubRoute({
      method: 'get',
      path: '/v1/features/training-sets/{name}',
      tags,
      summary: 'A saved training set with its rows (JSON columns, or Parquet with ?format=parquet)',
      middleware: access({ secret: 'read' }),
      request: { params: nameParam, query: tableFormatQuerySchema },
      responses: { 200: { description: 'The set and its rows', content: { ...json(trainingSetRowsSchema), ...parquet } }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { set, columns, dtypes } = await readTrainingSet(scopeOf(c), c.req.valid('param').name);
      if (c.req.valid('query').format === 'parquet') return parquetReply(toParquet(columns, dtypes), set.name);
      return c.json({ ...set, columns }, 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'post',
      path: '/feast/push',
      tags,
      summary: "Feast's push: rows into the view a push source feeds",
      description: `\`to\`: online (default), offline, online_and_offline (or both). Every row is checked before any is stored; a bad one is a 400 naming its column and row, and nothing of the push is stored. An online value is replaced only by a newer one. At most ${PUSH_ROW_LIMIT} rows a push.`,
      middleware: access({ secret: 'write' }),
      request: body(pushSchema),
      responses: { 200: { description: 'Rows stored', content: json(pushReplySchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => c.json(await pushRows(scopeOf(c), c.req.valid('json')), 200),
  )
  .openapi(
    hubRoute({
      method: 'post',
      path: '/feast/get-online-features',
      tags,
      summary: "Feast's online read: the latest value of each feature per entity row, with status and event time",
      description: `Statuses PRESENT, NULL_VALUE, NOT_FOUND, OUTSIDE_MAX_AGE (older than the view's TTL); a value that is not PRESENT is null. One results entry per entity row, in feature_names order (join keys first). Publishable keys read only views with \`devices: true\`. At most ${ONLINE_ROW_LIMIT} entity rows.`,
      middleware: access({ secret: 'read', device: true }),
      request: body(onlineRequestSchema),
      responses: { 200: { description: 'Features', content: json(onlineReplySchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => c.json(await readOnline(scopeOf(c), c.req.valid('json')), 200),
  )
  .openapi(
    hubRoute({
      method: 'post',
      path: '/feast/materialize',
      tags,
      summary: 'Copy the latest offline row per entity with an event time in [start_ts, end_ts] into the online store',
      description: 'Only into online views (all of them when `feature_views` is absent); an online value is replaced only by a newer one.',
      middleware: access({ secret: 'write' }),
      request: body(materializeSchema),
      responses: { 200: { description: 'Per view', content: json(materializeReplySchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { start_ts, end_ts, feature_views } = c.req.valid('json');
      return c.json(await materialize(scopeOf(c), requireTimestamp(start_ts, 'start_ts'), requireTimestamp(end_ts, 'end_ts'), feature_views), 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'post',
      path: '/feast/materialize-incremental',
      tags,
      summary: 'Materialize each view from where its last materialization stopped up to end_ts',
      description: "The first time, from end_ts − the view's TTL (all history when the TTL is 0).",
      middleware: access({ secret: 'write' }),
      request: body(materializeIncrementalSchema),
      responses: { 200: { description: 'Per view', content: json(materializeReplySchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { end_ts, feature_views } = c.req.valid('json');
      return c.json(await materializeIncremental(scopeOf(c), requireTimestamp(end_ts, 'end_ts'), feature_views), 200);
    },
  );

// Like Feast's, the health check needs no key.
router.get('/feast/health', (c) => c.json({ status: 'ok' }));
