import { z } from 'zod';
import { DIGEST_RE } from '../digest.js';

/** MLflow's limits (DESIGN §10: at least these; refused beyond with a clear error). */
export const LIMITS = {
  keyLength: 250,
  paramValue: 6000,
  tagValue: 8000,
  experimentName: 500,
  runName: 500,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchTotal: 1000,
  /** Native columnar batches carry many points per metric; this bounds one request. */
  nativePoints: 1_000_000,
} as const;

export const runStatuses = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export const runStatusSchema = z.enum(runStatuses);
export type RunStatus = z.infer<typeof runStatusSchema>;
export const terminalStatuses: readonly RunStatus[] = ['FINISHED', 'FAILED', 'KILLED'];

export const runSources = ['cli', 'ci', 'browser', 'device', 'api'] as const;
export const runSourceSchema = z.enum(runSources);

const key = z.string().min(1, 'must not be empty').max(LIMITS.keyLength, `must be at most ${LIMITS.keyLength} characters`);
export const paramsSchema = z.record(key, z.string().max(LIMITS.paramValue, `must be at most ${LIMITS.paramValue} characters`));
export const tagsSchema = z.record(key, z.string().max(LIMITS.tagValue, `must be at most ${LIMITS.tagValue} characters`));
const epochMs = z.number().int().nonnegative();

export const experimentSchema = z.object({
  id: z.string(),
  name: z.string(),
  lifecycle: z.enum(['active', 'deleted']),
  tags: z.record(z.string(), z.string()),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Experiment = z.infer<typeof experimentSchema>;

export const createExperimentSchema = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(LIMITS.experimentName),
  tags: tagsSchema.optional(),
});
export const updateExperimentSchema = z.object({
  name: z.string().trim().min(1).max(LIMITS.experimentName).optional(),
  tags: tagsSchema.optional(),
});

export const metricSummarySchema = z.object({
  value: z.number(),
  step: z.number(),
  timestamp: z.number(),
  min: z.number(),
  max: z.number(),
  count: z.number(),
});

export const runSchema = z.object({
  id: z.string(),
  experimentId: z.string(),
  name: z.string(),
  status: runStatusSchema,
  startTime: z.number(),
  endTime: z.number().nullable(),
  source: runSourceSchema,
  deviceId: z.string().nullable(),
  parentRunId: z.string().nullable(),
  userId: z.string().nullable(),
  lifecycle: z.enum(['active', 'deleted']),
  params: z.record(z.string(), z.string()),
  tags: z.record(z.string(), z.string()),
  metrics: z.record(z.string(), metricSummarySchema),
});
export type Run = z.infer<typeof runSchema>;

/** A dataset a run used, as MLflow's log-inputs records it (the datasets issue will link these to dataset versions). */
export const datasetInputSchema = z.object({
  dataset: z.object({
    name: z.string(),
    digest: z.string(),
    sourceType: z.string(),
    source: z.string(),
    schema: z.string().nullable(),
    profile: z.string().nullable(),
  }),
  /** Input tags, e.g. `mlflow.data.context: training`. */
  tags: z.record(z.string(), z.string()),
});
export type DatasetInput = z.infer<typeof datasetInputSchema>;

/** One run as GET /v1/runs/{id} shows it: with the datasets it used, which lists of runs leave out. */
export const runDetailSchema = runSchema.extend({ inputs: z.array(datasetInputSchema) });

export const createRunSchema = z.object({
  experimentId: z.string().min(1),
  name: z.string().max(LIMITS.runName).optional(),
  status: runStatusSchema.optional(),
  startTime: epochMs.optional(),
  source: runSourceSchema.optional(),
  deviceId: z.string().max(200).optional(),
  parentRunId: z.string().optional(),
  userId: z.string().max(200).optional(),
  params: paramsSchema.optional(),
  tags: tagsSchema.optional(),
});
export type CreateRun = z.infer<typeof createRunSchema>;

export const updateRunSchema = z.object({
  name: z.string().max(LIMITS.runName).optional(),
  status: runStatusSchema.optional(),
  endTime: epochMs.optional(),
});

/** One metric's points, columnar: the same length for steps, values and (optional) timestamps. */
export const metricColumnsSchema = z
  .object({
    key,
    steps: z.array(z.number().int()),
    values: z.array(z.number()),
    timestamps: z.array(epochMs).optional(),
  })
  .refine((m) => m.steps.length === m.values.length, { message: 'steps and values must have the same length', path: ['values'] })
  .refine((m) => !m.timestamps || m.timestamps.length === m.values.length, {
    message: 'timestamps must have the same length as values',
    path: ['timestamps'],
  });
export type MetricColumns = z.infer<typeof metricColumnsSchema>;

export const logBatchSchema = z.object({
  params: paramsSchema.optional(),
  tags: tagsSchema.optional(),
  metrics: z.array(metricColumnsSchema).optional(),
});
export type LogBatch = z.infer<typeof logBatchSchema>;

export const searchRunsSchema = z.object({
  experimentIds: z.array(z.string()).min(1, 'name at least one experiment'),
  filter: z.string().max(20_000).optional(),
  orderBy: z.array(z.string()).max(10).optional(),
  limit: z.number().int().min(1).max(50_000).default(100),
  pageToken: z.string().optional(),
  lifecycle: z.enum(['active', 'deleted', 'all']).default('active'),
});
export type SearchRuns = z.infer<typeof searchRunsSchema>;

export const seriesSchema = z.object({
  runId: z.string(),
  key: z.string(),
  /** Points in the stored series (within the step range when one was asked for), before any downsampling. */
  total: z.number(),
  steps: z.array(z.number()),
  values: z.array(z.number()),
  timestamps: z.array(z.number()),
});
export type Series = z.infer<typeof seriesSchema>;

/** How much of a series to read: the points with minStep ≤ step ≤ maxStep (either end open), at most maxPoints. */
export interface SeriesWindow {
  minStep?: number;
  maxStep?: number;
  maxPoints?: number;
}

const WHOLE = 'must be a whole number';
const maxPoints = (n: z.ZodNumber) => n.int(WHOLE).min(2, 'must be at least 2').max(1_000_000, 'must be at most 1000000');
const stepsInOrder = (w: SeriesWindow) => w.minStep === undefined || w.maxStep === undefined || w.minStep <= w.maxStep;
const stepsInOrderIssue = { message: 'must not be greater than maxStep', path: ['minStep'] };

/** A number in a query string; empty is not 0 (as z.coerce would have it) but missing, so it is refused. */
const fromQuery = (n: z.ZodNumber) => z.preprocess((v) => (v === '' || v === null ? undefined : Number(v)), n);

/** The query of `GET /v1/runs/{id}/metrics/{key}`. */
export const seriesQuerySchema = z
  .object({
    maxPoints: fromQuery(maxPoints(z.number({ message: WHOLE }))).optional(),
    minStep: fromQuery(z.number({ message: WHOLE }).int(WHOLE)).optional(),
    maxStep: fromQuery(z.number({ message: WHOLE }).int(WHOLE)).optional(),
  })
  .refine(stepsInOrder, stepsInOrderIssue);

export const seriesRequestSchema = z
  .object({
    runIds: z.array(z.string()).min(1).max(100),
    keys: z.array(key).min(1).max(100),
    maxPoints: maxPoints(z.number()).optional(),
    minStep: z.number().int(WHOLE).optional(),
    maxStep: z.number().int(WHOLE).optional(),
  })
  .refine(stepsInOrder, stepsInOrderIssue);
export type SeriesRequest = z.input<typeof seriesRequestSchema>;

export const artifactSchema = z.object({ path: z.string(), isDir: z.boolean(), size: z.number().nullable(), digest: z.string().nullable() });
/** A file's path inside a run's artifacts or a version's files: relative, with no "." or ".." segments and no backslashes. */
export const relativePathSchema = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[^\\]+$/, 'must be a relative path without "." or ".." segments or backslashes');
export const digestSchema = z.string().regex(DIGEST_RE, 'must be sha256: followed by 64 lowercase hex characters');
export const putArtifactSchema = z.object({ path: relativePathSchema(1000), digest: digestSchema });

/** Replies of /v1 tracking routes: the hub's openapi and every client's types come from these. */
export const experimentReplySchema = z.object({ experiment: experimentSchema });
export const experimentListSchema = z.object({ experiments: z.array(experimentSchema) });
export const runReplySchema = z.object({ run: runSchema });
export const logResultSchema = z.object({ duplicate: z.boolean(), params: z.number(), tags: z.number(), points: z.number() });
export const runPageSchema = z.object({ runs: z.array(runSchema), nextPageToken: z.string().nullable() });
export const seriesListSchema = z.object({ series: z.array(seriesSchema) });
export const artifactReplySchema = z.object({ artifact: artifactSchema });
export const artifactListSchema = z.object({ files: z.array(artifactSchema) });
