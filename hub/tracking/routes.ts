import { createRoute, z } from '@hono/zod-openapi';
import type { Digest } from '../../shared/digest.js';
import { OutpostError } from '../../shared/errors.js';
import { syncBatchSchema, syncResultSchema } from '../../shared/schemas/sync.js';
import {
  artifactSchema,
  createExperimentSchema,
  createRunSchema,
  experimentSchema,
  LIMITS,
  logBatchSchema,
  putArtifactSchema,
  runSchema,
  searchRunsSchema,
  seriesQuerySchema,
  seriesRequestSchema,
  seriesSchema,
  updateExperimentSchema,
  updateRunSchema,
} from '../../shared/schemas/tracking.js';
import { access } from '../auth/access.js';
import { body, errorResponses, json, newRouter, security } from '../http/openapi.js';
import { listArtifacts, putArtifact } from './artifacts.js';
import { createExperiment, getExperiment, listExperiments, toExperiment, updateExperiment } from './experiments.js';
import { appendToRun } from './log.js';
import { readSeries } from './metrics/history.js';
import { createRun, getRun, getRunRow, updateRun } from './runs.js';
import { searchRuns } from './search.js';
import { applySyncBatch } from './sync.js';

const idParam = z.object({ id: z.string().min(1).openapi({ param: { name: 'id', in: 'path' } }) });
const read = access({ secret: 'read' });
const write = access({ secret: 'write' });
const experimentReply = json(z.object({ experiment: experimentSchema }));
const runReply = json(z.object({ run: runSchema }));

const route = <R extends Parameters<typeof createRoute>[0]>(r: R) => createRoute({ security, ...r, tags: r.tags ?? ['tracking'] });

export const trackingRoutes = newRouter()
  .openapi(
    route({ method: 'post', path: '/v1/experiments', summary: 'Create an experiment', middleware: write, request: body(createExperimentSchema), responses: { 201: { description: 'Created', content: experimentReply }, ...errorResponses(400, 401, 403, 409) } }),
    async (c) => c.json({ experiment: await createExperiment(c.var.deps.db, c.var.principal.projectId, c.req.valid('json')) }, 201),
  )
  .openapi(
    route({
      method: 'get',
      path: '/v1/experiments',
      summary: 'List experiments',
      middleware: read,
      request: { query: z.object({ lifecycle: z.enum(['active', 'deleted', 'all']).default('active') }) },
      responses: { 200: { description: 'Experiments', content: json(z.object({ experiments: z.array(experimentSchema) })) }, ...errorResponses(401, 403) },
    }),
    async (c) => c.json({ experiments: await listExperiments(c.var.deps.db, c.var.principal.projectId, c.req.valid('query').lifecycle) }, 200),
  )
  .openapi(
    route({ method: 'get', path: '/v1/experiments/{id}', summary: 'Get an experiment', middleware: read, request: { params: idParam }, responses: { 200: { description: 'Experiment', content: experimentReply }, ...errorResponses(401, 403, 404) } }),
    async (c) => c.json({ experiment: toExperiment(await getExperiment(c.var.deps.db, c.var.principal.projectId, c.req.valid('param').id)) }, 200),
  )
  .openapi(
    route({
      method: 'patch',
      path: '/v1/experiments/{id}',
      summary: 'Rename an experiment or set its tags',
      middleware: write,
      request: { params: idParam, ...body(updateExperimentSchema) },
      responses: { 200: { description: 'Updated', content: experimentReply }, ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json({ experiment: await updateExperiment(c.var.deps.db, c.var.principal.projectId, c.req.valid('param').id, c.req.valid('json')) }, 200),
  )
  .openapi(
    route({ method: 'delete', path: '/v1/experiments/{id}', summary: 'Delete an experiment (restorable)', middleware: write, request: { params: idParam }, responses: { 200: { description: 'Deleted', content: experimentReply }, ...errorResponses(401, 403, 404) } }),
    async (c) => c.json({ experiment: await updateExperiment(c.var.deps.db, c.var.principal.projectId, c.req.valid('param').id, { lifecycle: 'deleted' }) }, 200),
  )
  .openapi(
    route({ method: 'post', path: '/v1/experiments/{id}/restore', summary: 'Restore a deleted experiment', middleware: write, request: { params: idParam }, responses: { 200: { description: 'Restored', content: experimentReply }, ...errorResponses(401, 403, 404) } }),
    async (c) => c.json({ experiment: await updateExperiment(c.var.deps.db, c.var.principal.projectId, c.req.valid('param').id, { lifecycle: 'active' }) }, 200),
  )
  .openapi(
    route({ method: 'post', path: '/v1/runs', summary: 'Create a run', middleware: write, request: body(createRunSchema), responses: { 201: { description: 'Created', content: runReply }, ...errorResponses(400, 401, 403, 404) } }),
    async (c) => c.json({ run: await createRun(c.var.deps.db, c.var.principal.projectId, { source: 'api', ...c.req.valid('json') }) }, 201),
  )
  .openapi(
    route({ method: 'get', path: '/v1/runs/{id}', summary: 'Get a run with its params, tags and latest metrics', middleware: read, request: { params: idParam }, responses: { 200: { description: 'Run', content: runReply }, ...errorResponses(401, 403, 404) } }),
    async (c) => c.json({ run: await getRun(c.var.deps.db, c.var.principal.projectId, c.req.valid('param').id) }, 200),
  )
  .openapi(
    route({
      method: 'patch',
      path: '/v1/runs/{id}',
      summary: 'Rename a run or set its status',
      description: 'A terminal status (FINISHED, FAILED, KILLED) stamps the end time unless one is given.',
      middleware: write,
      request: { params: idParam, ...body(updateRunSchema) },
      responses: { 200: { description: 'Updated', content: runReply }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => c.json({ run: await updateRun(c.var.deps.db, c.var.principal.projectId, c.req.valid('param').id, c.req.valid('json')) }, 200),
  )
  .openapi(
    route({ method: 'delete', path: '/v1/runs/{id}', summary: 'Delete a run (restorable)', middleware: write, request: { params: idParam }, responses: { 200: { description: 'Deleted', content: runReply }, ...errorResponses(401, 403, 404) } }),
    async (c) => c.json({ run: await updateRun(c.var.deps.db, c.var.principal.projectId, c.req.valid('param').id, { lifecycle: 'deleted' }) }, 200),
  )
  .openapi(
    route({ method: 'post', path: '/v1/runs/{id}/restore', summary: 'Restore a deleted run', middleware: write, request: { params: idParam }, responses: { 200: { description: 'Restored', content: runReply }, ...errorResponses(401, 403, 404) } }),
    async (c) => c.json({ run: await updateRun(c.var.deps.db, c.var.principal.projectId, c.req.valid('param').id, { lifecycle: 'active' }) }, 200),
  )
  .openapi(
    route({
      method: 'post',
      path: '/v1/runs/{id}/log',
      summary: 'Log params, tags and metric points in one columnar batch',
      description:
        'Params are immutable: the same value again is fine, another value is a 400 naming the key. Tags are overwritten. ' +
        'Metric points are appended. With an `Idempotency-Key` header, a batch sent again is stored once (`duplicate: true`).',
      middleware: write,
      request: { params: idParam, headers: z.object({ 'idempotency-key': z.string().min(8).max(200).optional() }), ...body(logBatchSchema) },
      responses: {
        200: { description: 'Logged', content: json(z.object({ duplicate: z.boolean(), params: z.number(), tags: z.number(), points: z.number() })) },
        ...errorResponses(400, 401, 403, 404, 413),
      },
    }),
    async (c) => {
      const { db } = c.var.deps;
      const { projectId } = c.var.principal;
      const run = await getRunRow(db, projectId, c.req.valid('param').id);
      const batch = c.req.valid('json');
      const points = (batch.metrics ?? []).reduce((n, m) => n + m.values.length, 0);
      if (points > LIMITS.nativePoints) throw new OutpostError(413, 'payload_too_large', `a batch holds at most ${LIMITS.nativePoints} points; this one has ${points}`);
      const key = c.req.valid('header')['idempotency-key'];
      return c.json(await appendToRun(db, projectId, run.id, batch, key ? { id: `log:${run.id}:${key}`, kind: 'log' } : undefined), 200);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/v1/runs/search',
      summary: 'Search runs with a filter, order and pages',
      description:
        "The filter is MLflow's grammar plus OR and parentheses: `metrics.acc > 0.9 and (params.lr = '0.01' or tags.team LIKE 'vision%')`. " +
        'Order terms like `metrics.acc DESC`; missing values sort last. `nextPageToken` pages stably under concurrent inserts.',
      middleware: read,
      request: body(searchRunsSchema),
      responses: { 200: { description: 'Runs', content: json(z.object({ runs: z.array(runSchema), nextPageToken: z.string().nullable() })) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => c.json(await searchRuns(c.var.deps.db, c.var.principal.projectId, c.req.valid('json')), 200),
  )
  .openapi(
    route({
      method: 'get',
      path: '/v1/runs/{id}/metrics/{key}',
      summary: 'A metric series, whole or downsampled, optionally only a step range',
      description:
        'With `minStep` and/or `maxStep`, only the points with minStep ≤ step ≤ maxStep (`total` counts those). ' +
        'With `maxPoints`, at most that many points: each bucket keeps its min and max, so spikes survive.',
      middleware: read,
      request: {
        params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }), key: z.string().openapi({ param: { name: 'key', in: 'path' } }) }),
        query: seriesQuerySchema,
      },
      responses: { 200: { description: 'Series', content: json(seriesSchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { db } = c.var.deps;
      const { id, key } = c.req.valid('param');
      const run = await getRunRow(db, c.var.principal.projectId, id);
      return c.json(await readSeries(db, run.id, key, c.req.valid('query')), 200);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/v1/metrics/series',
      summary: 'Several metrics of several runs in one call, for charts',
      description: '`minStep`, `maxStep` and `maxPoints` apply to every series, as in `GET /v1/runs/{id}/metrics/{key}`.',
      middleware: read,
      request: body(seriesRequestSchema),
      responses: { 200: { description: 'Series', content: json(z.object({ series: z.array(seriesSchema) })) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { db } = c.var.deps;
      const { runIds, keys, ...window } = c.req.valid('json');
      for (const id of runIds) await getRunRow(db, c.var.principal.projectId, id);
      const series = await Promise.all(runIds.flatMap((runId) => keys.map((key) => readSeries(db, runId, key, window))));
      return c.json({ series }, 200);
    },
  )
  .openapi(
    route({
      method: 'put',
      path: '/v1/runs/{id}/artifacts',
      summary: 'Attach an uploaded blob to the run as a file at a path',
      middleware: write,
      request: { params: idParam, ...body(putArtifactSchema) },
      responses: { 200: { description: 'Attached', content: json(z.object({ artifact: artifactSchema })) }, ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { db } = c.var.deps;
      const { projectId } = c.var.principal;
      const run = await getRunRow(db, projectId, c.req.valid('param').id);
      const { path, digest } = c.req.valid('json');
      return c.json({ artifact: await putArtifact(db, projectId, run.id, path, digest as Digest) }, 200);
    },
  )
  .openapi(
    route({
      method: 'get',
      path: '/v1/runs/{id}/artifacts',
      summary: "List a folder of the run's artifacts",
      middleware: read,
      request: { params: idParam, query: z.object({ path: z.string().optional() }) },
      responses: { 200: { description: 'Files and folders', content: json(z.object({ files: z.array(artifactSchema) })) }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { db } = c.var.deps;
      const run = await getRunRow(db, c.var.principal.projectId, c.req.valid('param').id);
      return c.json({ files: await listArtifacts(db, run.id, c.req.valid('query').path) }, 200);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/v1/sync',
      tags: ['sync'],
      summary: 'Apply a device outbox batch (runs, params, metric chunks, finishes, telemetry)',
      description:
        'Each item has a client-made `id`; an item already applied is reported `duplicate` and changes nothing. Items may arrive out of order. ' +
        'Publishable keys may write only device runs of their project, and telemetry only for models exposed to devices. ' +
        'A telemetry item is rejected alone when its model does not exist, periodEnd < periodStart, or errors > count.',
      middleware: access({ secret: 'write', device: true }),
      request: body(syncBatchSchema),
      responses: { 200: { description: 'Per-item results', content: json(syncResultSchema) }, ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json(await applySyncBatch(c.var.deps.db, c.var.principal, c.req.valid('json').items), 200),
  );
