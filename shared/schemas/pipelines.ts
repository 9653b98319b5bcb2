import { z } from 'zod';
import { DIGEST_RE } from '../digest.js';
import { NAME_RE, NAME_RULE } from '../refs.js';
import { paramTypes, PIPELINE_LIMITS, STEP_NAME_RE, valueTypes } from '../pipeline/spec.js';

export const pipelineNameSchema = z.string().regex(NAME_RE, NAME_RULE);
const stepName = z.string().regex(STEP_NAME_RE, 'must be a letter then up to 63 letters, digits, _ or -');
const label = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be letters, digits, . _ or - (up to 64)');
const ms = z.number().int().min(0).max(30 * 86_400_000);
const valueType = z.enum(valueTypes);

export const stepSpecSchema = z.object({
  needs: z.array(stepName).max(PIPELINE_LIMITS.steps).default([]),
  retries: z.object({ count: z.number().int().min(0).max(100), backoffMs: ms, capMs: ms }).default({ count: 0, backoffMs: 1000, capMs: 60_000 }),
  timeoutMs: ms.min(1).nullable().default(null),
  cache: z.boolean().default(true),
  runsOn: z.array(label).max(20).default([]),
  outputs: z.record(z.string().min(1).max(128), valueType).optional(),
  inputs: z.record(stepName, z.record(z.string().min(1).max(128), valueType)).optional(),
});

const triggerSchema = z.union([
  z.object({ dataset: z.string().regex(NAME_RE, NAME_RULE) }).strict(),
  z.object({ model: z.string().regex(NAME_RE, NAME_RULE) }).strict(),
  z.object({ alias: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}@[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be model@alias') }).strict(),
]);

export const pipelineSpecSchema = z.object({
  name: pipelineNameSchema,
  params: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/, 'must be a letter or _ then letters, digits, _ . -'), z.object({ type: z.enum(paramTypes), default: z.union([z.number(), z.string().max(10_000), z.boolean()]) }))
    .default({}),
  steps: z.record(stepName, stepSpecSchema),
  schedule: z.object({ cron: z.string().min(1).max(200), catchup: z.boolean().default(false) }).optional(),
  on: z.array(triggerSchema).max(20).optional(),
});

export const registerPipelineSchema = z.object({
  codeDigest: z.string().regex(DIGEST_RE, 'must be sha256: followed by 64 lowercase hex characters'),
  spec: pipelineSpecSchema,
});

export const stepStatuses = ['queued', 'running', 'succeeded', 'failed', 'cached', 'cancelled', 'skipped'] as const;
export const runStatusesPipeline = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

export const pipelineVersionSchema = z.object({
  pipeline: z.string(),
  version: z.number().int(),
  ref: z.string(),
  codeDigest: z.string(),
  spec: pipelineSpecSchema,
  createdAt: z.number(),
});
export const pipelineVersionListSchema = z.object({ versions: z.array(pipelineVersionSchema) });
export const registerReplySchema = z.object({ created: z.boolean(), version: pipelineVersionSchema });
export const pipelineListSchema = z.object({
  pipelines: z.array(z.object({ name: z.string(), latest: pipelineVersionSchema, nextFireAt: z.number().nullable() })),
});

const paramValue = z.union([z.number(), z.string(), z.boolean()]);
export const createPipelineRunSchema = z.object({
  params: z.record(z.string(), paramValue).default({}),
  noCache: z.boolean().default(false),
  version: z.number().int().min(1).optional(),
  /** A client-chosen key: sending the same key again answers the run it made (a retried request starts one run). */
  key: z.string().min(1).max(200).optional(),
});

export const stepStateSchema = z.object({
  status: z.enum(stepStatuses),
  attempts: z.number().int(),
  needs: z.array(z.string()),
  outputs: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  cachedFrom: z.string().nullable(),
  /** The run whose attempt a cached step's outputs came from. */
  cachedFromRun: z.string().nullable(),
  /** Attempt ids, oldest first (for logs). */
  attemptIds: z.array(z.string()),
  /** Each attempt, oldest first: how it ended (`running` while it runs), on which runner, when. */
  attemptList: z.array(
    z.object({
      id: z.string(),
      number: z.number().int(),
      status: z.enum(['running', 'succeeded', 'failed', 'lost', 'timed_out', 'cancelled', 'released']),
      runner: z.string().nullable(),
      startedAt: z.number(),
      finishedAt: z.number().nullable(),
      error: z.string().nullable(),
    }),
  ),
});
export const pipelineRunSchema = z.object({
  id: z.string(),
  pipeline: z.string(),
  version: z.number().int(),
  status: z.enum(runStatusesPipeline),
  params: z.record(z.string(), paramValue),
  noCache: z.boolean(),
  trigger: z.record(z.string(), z.unknown()),
  interval: z.object({ start: z.number(), end: z.number() }).nullable(),
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
  steps: z.record(z.string(), stepStateSchema),
  lineage: z.array(z.object({ step: z.string(), kind: z.enum(['run', 'dataset', 'model']), ref: z.string(), role: z.enum(['read', 'made']) })),
});
export const runListSchema = z.object({ runs: z.array(pipelineRunSchema.omit({ steps: true, lineage: true })) });

export const leaseRequestSchema = z.object({
  runner: z.string().min(1).max(200),
  labels: z.array(label).max(20).default([]),
  /** How long the lease lasts without a heartbeat (default 30 s). */
  leaseMs: z.number().int().min(200).max(600_000).default(30_000),
});
export const leaseSchema = z.object({
  attemptId: z.string(),
  runId: z.string(),
  pipeline: z.string(),
  version: z.number().int(),
  step: z.string(),
  attempt: z.number().int(),
  codeDigest: z.string(),
  params: z.record(z.string(), paramValue),
  inputs: z.record(z.string(), z.record(z.string(), z.unknown())),
  outputs: z.record(z.string(), valueType).optional(),
  leaseMs: z.number().int(),
  leaseExpiresAt: z.number(),
  deadlineAt: z.number().nullable(),
});
export const leaseReplySchema = z.object({ lease: leaseSchema.nullable() });
export const heartbeatReplySchema = z.object({
  /** running: carry on; cancelled / timed_out / lost: stop (lost: the lease expired and the step went back to the queue). */
  state: z.enum(['running', 'cancelled', 'timed_out', 'lost']),
  leaseExpiresAt: z.number().nullable(),
});
const linkSchema = z.object({ kind: z.enum(['run', 'dataset', 'model']), ref: z.string().min(1).max(300), role: z.enum(['read', 'made']).default('read') });
/** `next`: lease the runner's next step in the same request (one round trip a step instead of two). */
const nextLease = leaseRequestSchema.optional();
export const completeAttemptSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('succeeded'), outputs: z.record(z.string(), z.unknown()).default({}), links: z.array(linkSchema).max(100).default([]), next: nextLease }),
  z.object({ status: z.literal('failed'), error: z.string().max(20_000), links: z.array(linkSchema).max(100).default([]), next: nextLease }),
]);
export const completeReplySchema = z.object({ accepted: z.boolean(), state: z.enum(['succeeded', 'failed', 'retrying', 'cancelled', 'lost']), next: leaseSchema.nullable().optional() });
export const appendLogSchema = z.object({ offset: z.number().int().min(0), text: z.string().max(256 * 1024) });
export const logPageSchema = z.object({ text: z.string(), offset: z.number().int(), next: z.number().int(), done: z.boolean() });
export const backfillSchema = z.object({ from: z.union([z.string(), z.number()]), to: z.union([z.string(), z.number()]) });
export const backfillReplySchema = z.object({ created: z.array(z.string()), existing: z.array(z.string()), intervals: z.number().int() });
export const pipelineEventSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.enum(['dataset.version', 'model.version', 'model.alias']),
  /** `ds`, `model`, or `model@alias`: the subject subscribers match. */
  subject: z.string().min(1).max(300),
  ref: z.string().max(300).optional(),
});

export type LeaseReply = z.output<typeof leaseReplySchema>;
export type Lease = z.output<typeof leaseSchema>;
export type PipelineRun = z.output<typeof pipelineRunSchema>;
export type PipelineVersion = z.output<typeof pipelineVersionSchema>;
export type CompleteAttempt = z.input<typeof completeAttemptSchema>;
