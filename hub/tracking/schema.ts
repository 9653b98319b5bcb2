import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { bytes } from '../db/columns.js';
import { projects } from '../projects/schema.js';
import { blobs } from '../blobs/schema.js';

// ——— experiment tracking ———
// runs, run_params, run_tags, metric_summaries, run_artifacts and applied_writes are WITHOUT ROWID tables:
// written into migration 0001 by hand (drizzle-kit cannot say it), because a lookup by their text keys then
// costs one b-tree seek instead of two, which halves run search. Keep it when a later migration rebuilds them.

export const experiments = sqliteTable(
  'experiments',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    name: text('name').notNull(),
    lifecycle: text('lifecycle', { enum: ['active', 'deleted'] }).notNull().default('active'),
    tags: text('tags', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('experiments_project_name').on(t.projectId, t.name)],
);
export type ExperimentRow = typeof experiments.$inferSelect;

export const runs = sqliteTable(
  'runs',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    experimentId: text('experiment_id')
      .notNull()
      .references(() => experiments.id),
    name: text('name').notNull(),
    status: text('status', { enum: ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] }).notNull(),
    startTime: integer('start_time').notNull(),
    endTime: integer('end_time'),
    source: text('source', { enum: ['cli', 'ci', 'browser', 'device', 'api'] }).notNull(),
    deviceId: text('device_id'),
    parentRunId: text('parent_run_id'),
    userId: text('user_id'),
    lifecycle: text('lifecycle', { enum: ['active', 'deleted'] }).notNull().default('active'),
    /** A device's run seen first through a metric or finish: filled in when its create arrives. */
    pending: integer('pending', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [index('runs_project_experiment_start').on(t.projectId, t.experimentId, t.startTime)],
);
export type RunRow = typeof runs.$inferSelect;

export const runParams = sqliteTable(
  'run_params',
  {
    runId: text('run_id')
      .notNull()
      .references(() => runs.id),
    key: text('key').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index('run_params_key_value').on(t.key, t.value)],
);

export const runTags = sqliteTable(
  'run_tags',
  {
    runId: text('run_id')
      .notNull()
      .references(() => runs.id),
    key: text('key').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index('run_tags_key_value').on(t.key, t.value)],
);

/** Per (run, key): what search, sort and tables need without reading a single point. */
export const metricSummaries = sqliteTable(
  'metric_summaries',
  {
    runId: text('run_id')
      .notNull()
      .references(() => runs.id),
    key: text('key').notNull(),
    lastValue: real('last_value').notNull(),
    lastStep: integer('last_step').notNull(),
    lastTimestamp: integer('last_timestamp').notNull(),
    min: real('min').notNull(),
    max: real('max').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index('metric_summaries_key_value').on(t.key, t.lastValue)],
);

/** Metric points in packed chunks: steps, timestamps and values as little-endian float64 arrays, sorted by step. */
export const metricChunks = sqliteTable(
  'metric_chunks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id),
    key: text('key').notNull(),
    count: integer('count').notNull(),
    minStep: integer('min_step').notNull(),
    maxStep: integer('max_step').notNull(),
    steps: bytes('steps').notNull(),
    timestamps: bytes('timestamps').notNull(),
    values: bytes('values').notNull(),
  },
  (t) => [index('metric_chunks_run_key').on(t.runId, t.key, t.minStep)],
);

export const runArtifacts = sqliteTable(
  'run_artifacts',
  {
    runId: text('run_id')
      .notNull()
      .references(() => runs.id),
    path: text('path').notNull(),
    digest: text('digest')
      .notNull()
      .references(() => blobs.digest),
    size: integer('size').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.path] })],
);

/**
 * Datasets a run used (MLflow's log-inputs): one row per (run, name, digest), so the same dataset logged twice is
 * one input. A plain rowid table, unlike the run tables above: a schema or profile can be a megabyte, and SQLite
 * keeps large rows badly in a WITHOUT ROWID b-tree; reads go by run through the unique index.
 */
export const runDatasetInputs = sqliteTable(
  'run_dataset_inputs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id),
    name: text('name').notNull(),
    digest: text('digest').notNull(),
    sourceType: text('source_type').notNull(),
    source: text('source').notNull(),
    schema: text('schema'),
    profile: text('profile'),
    /** Input tags such as mlflow.data.context ("training", "eval"). */
    tags: text('tags', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('run_dataset_inputs_run_dataset').on(t.runId, t.name, t.digest)],
);
