import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { PipelineSpec, StepSpec } from '../../shared/pipeline/spec.js';
import { projects } from '../projects/schema.js';

/** A pipeline: a name in a project; its versions hold the DAG and the code's digest. */
export const pipelines = sqliteTable(
  'pipelines',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    name: text('name').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('pipelines_project_name').on(t.projectId, t.name)],
);
export type PipelineRow = typeof pipelines.$inferSelect;

/** Immutable numbered versions: the bundle's digest (a blob) and the DAG checked on register. */
export const pipelineVersions = sqliteTable(
  'pipeline_versions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    pipelineId: integer('pipeline_id').notNull(),
    version: integer('version').notNull(),
    codeDigest: text('code_digest').notNull(),
    spec: text('spec', { mode: 'json' }).$type<PipelineSpec>().notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('pipeline_versions_number').on(t.pipelineId, t.version)],
);
export type PipelineVersionRow = typeof pipelineVersions.$inferSelect;

/** The latest version's schedule: intervals ending at or before `handledUntil` have had their run (or were let go). */
export const pipelineSchedules = sqliteTable('pipeline_schedules', {
  pipelineId: integer('pipeline_id').primaryKey(),
  projectId: text('project_id').notNull(),
  cron: text('cron').notNull(),
  catchup: integer('catchup', { mode: 'boolean' }).notNull(),
  handledUntil: integer('handled_until').notNull(),
});

/** The latest version's event triggers; `cursor` is the last event seen (a version number, or an alias event id). */
export const pipelineSubscriptions = sqliteTable(
  'pipeline_subscriptions',
  {
    pipelineId: integer('pipeline_id').notNull(),
    projectId: text('project_id').notNull(),
    kind: text('kind', { enum: ['dataset', 'model', 'alias'] }).notNull(),
    subject: text('subject').notNull(),
    cursor: integer('cursor').notNull(),
  },
  (t) => [primaryKey({ columns: [t.pipelineId, t.kind, t.subject] })],
);

export const pipelineRuns = sqliteTable(
  'pipeline_runs',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull(),
    pipelineId: integer('pipeline_id').notNull(),
    versionId: integer('version_id').notNull(),
    status: text('status', { enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] }).notNull(),
    params: text('params', { mode: 'json' }).$type<Record<string, number | string | boolean>>().notNull(),
    noCache: integer('no_cache', { mode: 'boolean' }).notNull(),
    trigger: text('trigger', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    intervalStart: integer('interval_start'),
    intervalEnd: integer('interval_end'),
    /** One run per key and pipeline: a client's retry key, a schedule interval, an event id. */
    dedupeKey: text('dedupe_key'),
    createdAt: integer('created_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (t) => [uniqueIndex('pipeline_runs_dedupe').on(t.pipelineId, t.dedupeKey), index('pipeline_runs_project').on(t.projectId, t.createdAt)],
);
export type PipelineRunRow = typeof pipelineRuns.$inferSelect;

/**
 * A step of a run and its current attempt. `pending` (needs not done; `queued` on the wire) → `queued` → `running`
 * (leased: `runner`, `leaseExpiresAt`, `deadlineAt`) → a final state. Leasing is one conditional UPDATE on this row.
 */
export const pipelineSteps = sqliteTable(
  'pipeline_steps',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: text('run_id').notNull(),
    projectId: text('project_id').notNull(),
    name: text('name').notNull(),
    status: text('status', { enum: ['pending', 'queued', 'running', 'succeeded', 'failed', 'cached', 'cancelled', 'skipped'] }).notNull(),
    spec: text('spec', { mode: 'json' }).$type<StepSpec>().notNull(),
    runsOn: text('runs_on', { mode: 'json' }).$type<string[]>().notNull(),
    timeoutMs: integer('timeout_ms'),
    attempts: integer('attempts').notNull().default(0),
    failures: integer('failures').notNull().default(0),
    availableAt: integer('available_at').notNull().default(0),
    runner: text('runner'),
    leaseMs: integer('lease_ms'),
    leaseExpiresAt: integer('lease_expires_at'),
    deadlineAt: integer('deadline_at'),
    startedAt: integer('started_at'),
    finishedAt: integer('finished_at'),
    fingerprint: text('fingerprint'),
    outputs: text('outputs', { mode: 'json' }).$type<Record<string, unknown>>(),
    error: text('error'),
    cachedFrom: text('cached_from'),
  },
  (t) => [uniqueIndex('pipeline_steps_run_name').on(t.runId, t.name), index('pipeline_steps_queue').on(t.projectId, t.status, t.availableAt), index('pipeline_steps_leases').on(t.status, t.leaseExpiresAt)],
);
export type PipelineStepRow = typeof pipelineSteps.$inferSelect;

/** Each attempt's history: who ran it, how it ended. The id is `<run id>.<step>.<n>`. */
export const pipelineAttempts = sqliteTable(
  'pipeline_attempts',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull(),
    runId: text('run_id').notNull(),
    stepId: integer('step_id').notNull(),
    number: integer('number').notNull(),
    status: text('status', { enum: ['running', 'succeeded', 'failed', 'lost', 'timed_out', 'cancelled', 'released'] }).notNull(),
    runner: text('runner'),
    startedAt: integer('started_at').notNull(),
    finishedAt: integer('finished_at'),
    error: text('error'),
  },
  (t) => [index('pipeline_attempts_step').on(t.stepId, t.number)],
);

/** An attempt's log in chunks; `offset` is where the chunk starts (in UTF-16 units of the whole log). */
export const pipelineLogs = sqliteTable(
  'pipeline_logs',
  {
    attemptId: text('attempt_id').notNull(),
    offset: integer('offset').notNull(),
    length: integer('length').notNull(),
    text: text('text').notNull(),
  },
  (t) => [primaryKey({ columns: [t.attemptId, t.offset] })],
);

/** Step cache: a fingerprint's first successful outputs. */
export const pipelineCache = sqliteTable(
  'pipeline_cache',
  {
    projectId: text('project_id').notNull(),
    fingerprint: text('fingerprint').notNull(),
    attemptId: text('attempt_id').notNull(),
    outputs: text('outputs', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.fingerprint] })],
);

/** What a run's steps read and made: tracking runs, dataset versions, model versions. */
export const pipelineLinks = sqliteTable(
  'pipeline_links',
  {
    runId: text('run_id').notNull(),
    step: text('step').notNull(),
    kind: text('kind', { enum: ['run', 'dataset', 'model'] }).notNull(),
    ref: text('ref').notNull(),
    role: text('role', { enum: ['read', 'made'] }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.step, t.kind, t.ref, t.role] })],
);
