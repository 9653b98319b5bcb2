import { z } from '@hono/zod-openapi';
import type { Digest } from '../../shared/digest.js';
import { badRequest } from '../../shared/errors.js';
import {
  appendLogSchema,
  backfillReplySchema,
  backfillSchema,
  completeAttemptSchema,
  completeReplySchema,
  createPipelineRunSchema,
  heartbeatReplySchema,
  leaseReplySchema,
  leaseRequestSchema,
  logPageSchema,
  pipelineEventSchema,
  pipelineListSchema,
  pipelineNameSchema,
  pipelineRunSchema,
  pipelineVersionListSchema,
  pipelineVersionSchema,
  registerPipelineSchema,
  registerReplySchema,
  runListSchema,
} from '../../shared/schemas/pipelines.js';
import type { PipelineSpec } from '../../shared/pipeline/spec.js';
import { access } from '../auth/access.js';
import { crossOrigin } from '../http/cross-origin.js';
import { body, errorResponses, hubRoute, json, newRouter } from '../http/openapi.js';
import { scopeOf } from '../http/scope.js';
import { completeAttempt, expireLeases, heartbeat, leaseStep, releaseAttempt } from './leases.js';
import { appendLog, readLog } from './logs.js';
import { cancelRun, createRun, getRunRow, listRuns, runJson } from './runs.js';
import { backfill, startSubscribers } from './triggers.js';
import { getPipeline, getVersion, listPipelines, listVersions, registerVersion, versionJson } from './versions.js';

const tags = ['pipelines'];
const read = access({ secret: 'read' });
const write = access({ secret: 'write' });
const nameParam = z.object({ name: pipelineNameSchema });
const idParam = z.object({ id: z.string().min(1).max(300) });

/** A time from the CLI or a script: epoch ms or an ISO 8601 string. */
function timeOf(value: string | number, field: string): number {
  const ms = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw badRequest(`${field}: "${value}" is not a time (ISO 8601 or epoch ms)`, [{ path: field, message: 'not a time' }]);
  return ms;
}

const router = newRouter();
// The browser runtime's runner (op.runner) speaks the runner protocol from pages on other origins; a write key is still needed.
for (const path of ['/v1/pipeline-leases', '/v1/pipeline-attempts/:id/heartbeat', '/v1/pipeline-attempts/:id/complete', '/v1/pipeline-attempts/:id/release', '/v1/pipeline-attempts/:id/logs']) {
  router.use(path, crossOrigin());
}

/** Pipelines (`/v1/pipelines…`), their runs, and the runner protocol (leases, heartbeats, completions, logs). */
export const pipelineRoutes = router
  .openapi(
    hubRoute({
      method: 'post',
      path: '/v1/pipelines',
      tags,
      summary: 'Register a pipeline version: its bundle digest and DAG',
      description:
        'The bundle must be uploaded first (`PUT /v1/blobs/{digest}`; 409 otherwise). The DAG is checked here as well as by the CLI: cycles, unknown needs, inputs that do not match the producing step\'s outputs, and a cron expression that does not parse are 400s naming the step. The same code and DAG as the latest version answers that version (200, `created: false`), so a retried register makes one version.',
      middleware: write,
      request: body(registerPipelineSchema),
      responses: { 201: { description: 'A new version', content: json(registerReplySchema) }, 200: { description: 'Unchanged', content: json(registerReplySchema) }, ...errorResponses(400, 401, 403, 409) },
    }),
    async (c) => {
      const { codeDigest, spec } = c.req.valid('json');
      const reply = await registerVersion(scopeOf(c), codeDigest as Digest, spec as PipelineSpec);
      return c.json(reply, reply.created ? 201 : 200);
    },
  )
  .openapi(
    hubRoute({ method: 'get', path: '/v1/pipelines', tags, summary: 'Pipelines with their latest version and next scheduled time', middleware: read, responses: { 200: { description: 'Pipelines', content: json(pipelineListSchema) }, ...errorResponses(401, 403) } }),
    async (c) => c.json({ pipelines: await listPipelines(scopeOf(c)) }, 200),
  )
  .openapi(
    hubRoute({ method: 'get', path: '/v1/pipelines/{name}', tags, summary: 'A pipeline\'s latest version', middleware: read, request: { params: nameParam }, responses: { 200: { description: 'Latest version', content: json(pipelineVersionSchema) }, ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      const pipeline = await getPipeline(s, c.req.valid('param').name);
      return c.json(versionJson(pipeline, await getVersion(s, pipeline)), 200);
    },
  )
  .openapi(
    hubRoute({ method: 'get', path: '/v1/pipelines/{name}/versions', tags, summary: 'A pipeline’s versions (code digest, DAG, when), newest first: the last 100', middleware: read, request: { params: nameParam }, responses: { 200: { description: 'Versions', content: json(pipelineVersionListSchema) }, ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      return c.json({ versions: await listVersions(s, await getPipeline(s, c.req.valid('param').name)) }, 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'post',
      path: '/v1/pipelines/{name}/runs',
      tags,
      summary: 'Start a run (of the latest version unless `version` is given)',
      description: 'Params are checked against the declared ones: an unknown name or a wrong type is a 400 naming it. A `key` already used for this pipeline answers the run it started (200), so a retried request starts one run.',
      middleware: write,
      request: { params: nameParam, ...body(createPipelineRunSchema) },
      responses: { 201: { description: 'Started', content: json(pipelineRunSchema) }, 200: { description: 'The run this key started', content: json(pipelineRunSchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const input = c.req.valid('json');
      const pipeline = await getPipeline(s, c.req.valid('param').name);
      const version = await getVersion(s, pipeline, input.version);
      const { created, run } = await createRun(s, pipeline, version, { params: input.params, noCache: input.noCache, trigger: { type: 'manual' }, ...(input.key ? { dedupeKey: `key:${input.key}` } : {}) });
      return c.json(await runJson(s, run), created ? 201 : 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'post',
      path: '/v1/pipelines/{name}/backfill',
      tags,
      summary: 'One run for each schedule interval inside [from, to]',
      description: 'An interval that already has a run (from the schedule or an earlier backfill) keeps it and gets no second one.',
      middleware: write,
      request: { params: nameParam, ...body(backfillSchema) },
      responses: { 200: { description: 'Runs started and found', content: json(backfillReplySchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { from, to } = c.req.valid('json');
      return c.json(await backfill(s, await getPipeline(s, c.req.valid('param').name), timeOf(from, 'from'), timeOf(to, 'to')), 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'get',
      path: '/v1/pipeline-runs',
      tags,
      summary: 'Pipeline runs, newest first',
      middleware: read,
      request: { query: z.object({ pipeline: pipelineNameSchema.optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }) },
      responses: { 200: { description: 'Runs', content: json(runListSchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { pipeline, limit } = c.req.valid('query');
      return c.json({ runs: await listRuns(s, pipeline ? await getPipeline(s, pipeline) : null, limit) }, 200);
    },
  )
  .openapi(
    hubRoute({ method: 'get', path: '/v1/pipeline-runs/{id}', tags, summary: 'A run with each step\'s state, attempts and outputs, and its lineage', middleware: read, request: { params: idParam }, responses: { 200: { description: 'Run', content: json(pipelineRunSchema) }, ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      await expireLeases(s);
      return c.json(await runJson(s, await getRunRow(s, c.req.valid('param').id)), 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'post',
      path: '/v1/pipeline-runs/{id}/cancel',
      tags,
      summary: 'Cancel a run',
      description: 'Steps not yet final are cancelled; a running step\'s runner is told by its next heartbeat. Cancelling again answers the cancelled run; a run that already ended is a 409.',
      middleware: write,
      request: { params: idParam },
      responses: { 200: { description: 'Cancelled', content: json(pipelineRunSchema) }, ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => {
      const s = scopeOf(c);
      return c.json(await runJson(s, await cancelRun(s, await getRunRow(s, c.req.valid('param').id))), 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'post',
      path: '/v1/pipeline-events',
      tags,
      summary: 'Report an event (new dataset version, new model version, alias move) to the pipelines that subscribe to it',
      description: 'Each subscribed pipeline starts one run per event id: the same event sent again starts nothing more. The hub also finds these events by itself on its sweep.',
      middleware: write,
      request: body(pipelineEventSchema),
      responses: { 200: { description: 'Runs started or found', content: json(z.object({ runs: z.array(z.object({ pipeline: z.string(), run: z.string(), created: z.boolean() })) })) }, ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json({ runs: await startSubscribers(scopeOf(c), c.req.valid('json')) }, 200),
  )
  .openapi(
    hubRoute({
      method: 'post',
      path: '/v1/pipeline-leases',
      tags,
      summary: 'Lease one queued step whose labels the runner has',
      description: 'Atomic: two runners never get the same attempt. `lease: null` when nothing is ready. The lease lasts `leaseMs` unless renewed by heartbeats; when it expires the step is queued again as a new attempt after its backoff.',
      middleware: write,
      request: body(leaseRequestSchema),
      responses: { 200: { description: 'A lease, or none', content: json(leaseReplySchema) }, ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json({ lease: await leaseStep(scopeOf(c), c.req.valid('json')) }, 200),
  )
  .openapi(
    hubRoute({ method: 'post', path: '/v1/pipeline-attempts/{id}/heartbeat', tags, summary: 'Renew an attempt\'s lease; says whether to carry on', middleware: write, request: { params: idParam }, responses: { 200: { description: 'State', content: json(heartbeatReplySchema) }, ...errorResponses(401, 403, 404) } }),
    async (c) => c.json(await heartbeat(scopeOf(c), c.req.valid('param').id), 200),
  )
  .openapi(
    hubRoute({
      method: 'post',
      path: '/v1/pipeline-attempts/{id}/complete',
      tags,
      summary: 'Report how an attempt ended',
      description: 'With `next` (a lease request), the reply also carries the runner\'s next lease (`next`, or null). Sending the same completion again changes nothing (`accepted: true`); a runner whose lease expired or whose step was cancelled gets `accepted: false`.',
      middleware: write,
      request: { params: idParam, ...body(completeAttemptSchema) },
      responses: { 200: { description: 'Result', content: json(completeReplySchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { next, ...body } = c.req.valid('json');
      const reply = await completeAttempt(s, c.req.valid('param').id, body);
      return c.json(next ? { ...reply, next: await leaseStep(s, next) } : reply, 200);
    },
  )
  .openapi(
    hubRoute({ method: 'post', path: '/v1/pipeline-attempts/{id}/release', tags, summary: 'Hand a running step back to the queue (a runner stopping); not counted as a failure', middleware: write, request: { params: idParam }, responses: { 200: { description: 'Released', content: json(z.object({ released: z.boolean() })) }, ...errorResponses(401, 403, 404) } }),
    async (c) => c.json(await releaseAttempt(scopeOf(c), c.req.valid('param').id), 200),
  )
  .openapi(
    hubRoute({
      method: 'post',
      path: '/v1/pipeline-attempts/{id}/logs',
      tags,
      summary: 'Append a chunk to an attempt\'s log at `offset` (where the log ends)',
      description: 'The same chunk at the same offset again is a no-op (a retry); another offset is a 409 with `details.end`.',
      middleware: write,
      request: { params: idParam, ...body(appendLogSchema) },
      responses: { 200: { description: 'Appended', content: json(z.object({ next: z.number(), duplicate: z.boolean() })) }, ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { offset, text } = c.req.valid('json');
      return c.json(await appendLog(scopeOf(c), c.req.valid('param').id, offset, text), 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'get',
      path: '/v1/pipeline-attempts/{id}/logs',
      tags,
      summary: 'An attempt\'s log from `offset` on',
      middleware: read,
      request: { params: idParam, query: z.object({ offset: z.coerce.number().int().min(0).default(0) }) },
      responses: { 200: { description: 'Log text', content: json(logPageSchema) }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await readLog(scopeOf(c), c.req.valid('param').id, c.req.valid('query').offset), 200),
  );
