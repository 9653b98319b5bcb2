import { createRoute, z } from '@hono/zod-openapi';
import type { Digest } from '../../shared/digest.js';
import { notFound } from '../../shared/errors.js';
import { METRICS_FRAME_TYPE } from '../../shared/metrics-frame.js';
import {
  artifactListSchema,
  artifactReplySchema,
  createExperimentSchema,
  createRunSchema,
  experimentListSchema,
  experimentReplySchema,
  LIMITS,
  logBatchSchema,
  logResultSchema,
  putArtifactSchema,
  runDetailSchema,
  runPageSchema,
  runReplySchema,
  runSchema,
  searchRunsSchema,
  seriesListSchema,
  seriesQuerySchema,
  seriesRequestSchema,
  seriesSchema,
  updateExperimentSchema,
  updateRunSchema,
} from '../../shared/schemas/tracking.js';
import { access } from '../auth/access.js';
import { body, errorResponses, hubRoute, json, newRouter } from '../http/openapi.js';
import { bodyBytes } from '../http/body.js';
import { scopeOf } from '../http/scope.js';
import { listArtifacts, putArtifact } from './artifacts.js';
import { createExperiment, getExperiment, listExperiments, toExperiment, updateExperiment } from './experiments.js';
import { frameBatch, isMetricsFrame } from './frame.js';
import { logToRun } from './log.js';
import { runWithInputs } from './inputs.js';
import { readSeries } from './metrics/history.js';
import { checkSeriesBudget } from './metrics/budget.js';
import { deleteRunTag } from './run-tags.js';
import { createRun, getRunRow, runDetails, updateRun } from './runs.js';
import { searchRuns } from './search.js';

const idParam = z.object({ id: z.string().min(1).openapi({ param: { name: 'id', in: 'path' } }) });
const read = access({ secret: 'read' });
const write = access({ secret: 'write' });
const experimentReply = json(experimentReplySchema);
const runReply = json(runReplySchema);

const route = <R extends Parameters<typeof createRoute>[0]>(r: R) => hubRoute({ ...r, tags: r.tags ?? ['tracking'] });

export const trackingRoutes = newRouter()
  .openapi(
    route({ method: 'post', path: '/v1/experiments', summary: 'Create an experiment', middleware: write, request: body(createExperimentSchema), responses: { 201: { description: 'Created', content: experimentReply }, ...errorResponses(400, 401, 403, 409) } }),
    async (c) => c.json({ experiment: await createExperiment(scopeOf(c), c.req.valid('json')) }, 201),
  )
  .openapi(
    route({
      method: 'get',
      path: '/v1/experiments',
      summary: 'List experiments',
      middleware: read,
      request: { query: z.object({ lifecycle: z.enum(['active', 'deleted', 'all']).default('active') }) },
      responses: { 200: { description: 'Experiments', content: json(experimentListSchema) }, ...errorResponses(401, 403) },
    }),
    async (c) => c.json({ experiments: await listExperiments(scopeOf(c), c.req.valid('query').lifecycle) }, 200),
  )
  .openapi(
    route({ method: 'get', path: '/v1/experiments/{id}', summary: 'Get an experiment', middleware: read, request: { params: idParam }, responses: { 200: { description: 'Experiment', content: experimentReply }, ...errorResponses(401, 403, 404) } }),
    async (c) => c.json({ experiment: toExperiment(await getExperiment(scopeOf(c), c.req.valid('param').id)) }, 200),
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
    async (c) => {
      const s = scopeOf(c);
      return c.json({ experiment: await updateExperiment(s, await getExperiment(s, c.req.valid('param').id), c.req.valid('json')) }, 200);
    },
  )
  .openapi(
    route({ method: 'delete', path: '/v1/experiments/{id}', summary: 'Delete an experiment (restorable)', middleware: write, request: { params: idParam }, responses: { 200: { description: 'Deleted', content: experimentReply }, ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      return c.json({ experiment: await updateExperiment(s, await getExperiment(s, c.req.valid('param').id), { lifecycle: 'deleted' }) }, 200);
    },
  )
  .openapi(
    route({ method: 'post', path: '/v1/experiments/{id}/restore', summary: 'Restore a deleted experiment', middleware: write, request: { params: idParam }, responses: { 200: { description: 'Restored', content: experimentReply }, ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      return c.json({ experiment: await updateExperiment(s, await getExperiment(s, c.req.valid('param').id), { lifecycle: 'active' }) }, 200);
    },
  )
  .openapi(
    route({ method: 'post', path: '/v1/runs', summary: 'Create a run', middleware: write, request: body(createRunSchema), responses: { 201: { description: 'Created', content: runReply }, ...errorResponses(400, 401, 403, 404) } }),
    async (c) => c.json({ run: (await createRun(scopeOf(c), { source: 'api', ...c.req.valid('json') })).run }, 201),
  )
  .openapi(
    route({
      method: 'get',
      path: '/v1/runs/{id}',
      summary: 'Get a run with its params, tags, latest metrics and the datasets it used',
      middleware: read,
      request: { params: idParam },
      responses: { 200: { description: 'Run', content: json(z.object({ run: runDetailSchema })) }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      return c.json({ run: await runWithInputs(s, await getRunRow(s, c.req.valid('param').id)) }, 200);
    },
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
    async (c) => {
      const s = scopeOf(c);
      return c.json({ run: await updateRun(s, await getRunRow(s, c.req.valid('param').id), c.req.valid('json')) }, 200);
    },
  )
  .openapi(
    route({ method: 'delete', path: '/v1/runs/{id}', summary: 'Delete a run (restorable)', middleware: write, request: { params: idParam }, responses: { 200: { description: 'Deleted', content: runReply }, ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      return c.json({ run: await updateRun(s, await getRunRow(s, c.req.valid('param').id), { lifecycle: 'deleted' }) }, 200);
    },
  )
  .openapi(
    route({ method: 'post', path: '/v1/runs/{id}/restore', summary: 'Restore a deleted run', middleware: write, request: { params: idParam }, responses: { 200: { description: 'Restored', content: runReply }, ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      return c.json({ run: await updateRun(s, await getRunRow(s, c.req.valid('param').id), { lifecycle: 'active' }) }, 200);
    },
  )
  .openapi(
    route({
      method: 'delete',
      path: '/v1/runs/{id}/tags/{key}',
      summary: 'Remove a tag from a run',
      middleware: write,
      request: { params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }), key: z.string().openapi({ param: { name: 'key', in: 'path' } }) }) },
      responses: { 200: { description: 'Removed', content: runReply }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { id, key } = c.req.valid('param');
      const run = await getRunRow(s, id);
      if (!(await deleteRunTag(s, run, key))) throw notFound(`run "${run.id}" has no tag "${key}"`);
      const [updated] = await runDetails(s, [run]);
      return c.json({ run: updated! }, 200);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/v1/runs/{id}/log',
      summary: 'Log params, tags and metric points in one columnar batch',
      description:
        'Params are immutable: the same value again is fine, another value is a 400 naming the key. Tags are overwritten. ' +
        'Metric points are appended. With an `Idempotency-Key` header, a batch sent again is stored once (`duplicate: true`). ' +
        `The batch comes as JSON or, without a number parsed per point, as a binary columnar frame (\`Content-Type: ${METRICS_FRAME_TYPE}\`).`,
      middleware: write,
      request: {
        params: idParam,
        headers: z.object({ 'idempotency-key': z.string().min(8).max(200).optional() }),
        body: {
          required: true,
          content: {
            ...json(logBatchSchema),
            // Typed never: the handler reads this body itself (frameBatch), so only the JSON batch is ever validated data.
            [METRICS_FRAME_TYPE]: { schema: z.custom<never>().openapi({ type: 'string', format: 'binary', description: 'The same batch as a binary columnar frame (shared/metrics-frame.ts)' }) },
          },
        },
      },
      responses: {
        200: { description: 'Logged', content: json(logResultSchema) },
        ...errorResponses(400, 401, 403, 404, 413),
      },
    }),
    async (c) => {
      const s = scopeOf(c);
      const run = await getRunRow(s, c.req.valid('param').id);
      const batch = isMetricsFrame(c.req.header('content-type')) ? frameBatch(await bodyBytes(c)) : c.req.valid('json');
      return c.json(await logToRun(s, run, batch, c.req.valid('header')['idempotency-key']), 200);
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
      responses: { 200: { description: 'Runs', content: json(runPageSchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => c.json(await searchRuns(scopeOf(c), c.req.valid('json')), 200),
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
      const s = scopeOf(c);
      const { id, key } = c.req.valid('param');
      const run = await getRunRow(s, id);
      await checkSeriesBudget(s, [run.id], [key], c.req.valid('query'));
      return c.json(await readSeries(s, run.id, key, c.req.valid('query')), 200);
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
      responses: { 200: { description: 'Series', content: json(seriesListSchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { runIds, keys, ...window } = c.req.valid('json');
      // A repeated run or key is read once; the reply lists each (run, key) once, in first-asked order.
      const runs = [...new Set(runIds)];
      const uniqueKeys = [...new Set(keys)];
      for (const id of runs) await getRunRow(s, id);
      await checkSeriesBudget(s, runs, uniqueKeys, window);
      // One series at a time: only the reply, bounded by the budget, accumulates.
      const series = [];
      for (const runId of runs) for (const key of uniqueKeys) series.push(await readSeries(s, runId, key, window));
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
      responses: { 200: { description: 'Attached', content: json(artifactReplySchema) }, ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const run = await getRunRow(s, c.req.valid('param').id);
      const { path, digest } = c.req.valid('json');
      return c.json({ artifact: await putArtifact(s, run, path, digest as Digest) }, 200);
    },
  )
  .openapi(
    route({
      method: 'get',
      path: '/v1/runs/{id}/artifacts',
      summary: "List a folder of the run's artifacts",
      middleware: read,
      request: { params: idParam, query: z.object({ path: z.string().optional() }) },
      responses: { 200: { description: 'Files and folders', content: json(artifactListSchema) }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const run = await getRunRow(s, c.req.valid('param').id);
      return c.json({ files: await listArtifacts(s, run, c.req.valid('query').path) }, 200);
    },
  );
