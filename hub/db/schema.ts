import { sql } from 'drizzle-orm';
import { customType, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { backends } from '../../shared/schemas/telemetry.js';
import type { LatencyHistogram } from '../../shared/telemetry/histogram.js';

/** Binary columns as Uint8Array on every driver: libSQL reads ArrayBuffers, D1 reads arrays of numbers. */
const bytes = customType<{ data: Uint8Array; driverData: ArrayBuffer | Uint8Array | number[] }>({
  dataType: () => 'blob',
  toDriver: (value) => value,
  fromDriver: (value) => (value instanceof Uint8Array ? value : value instanceof ArrayBuffer ? new Uint8Array(value) : Uint8Array.from(value)),
});

const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(cast(unixepoch('subsecond') * 1000 as integer))`);

export const projects = sqliteTable('projects', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  createdAt: createdAt(),
  /** Publishable keys may publish fine-tuned versions into device-candidates models (hub/registry/device-publish.ts). */
  devicePublishing: integer('device_publishing', { mode: 'boolean' }).notNull().default(false),
});
export type ProjectRow = typeof projects.$inferSelect;

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['secret', 'publishable'] }).notNull(),
    role: text('role', { enum: ['admin', 'write', 'read', 'device'] }).notNull(),
    prefix: text('prefix').notNull(),
    /** sha256 hex of the whole key; the key itself is never stored. */
    hash: text('hash').notNull().unique(),
    allowedOrigins: text('allowed_origins', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    createdAt: createdAt(),
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('api_keys_project').on(t.projectId)],
);
export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** Every stored blob once, whoever uploaded it. */
export const blobs = sqliteTable('blobs', {
  digest: text('digest').primaryKey(),
  size: integer('size').notNull(),
  createdAt: createdAt(),
});

/** Which project may read which blob: storage is shared, access is not. */
export const projectBlobs = sqliteTable(
  'project_blobs',
  {
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    digest: text('digest')
      .notNull()
      .references(() => blobs.digest),
    /** Set when a model exposed to devices references the blob, so publishable keys may read it. */
    deviceVisible: integer('device_visible', { mode: 'boolean' }).notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.digest] })],
);

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

/** Writes already applied, by the client's id (Idempotency-Key of a log batch, or a sync item's id). */
export const appliedWrites = sqliteTable(
  'applied_writes',
  {
    projectId: text('project_id').notNull(),
    clientId: text('client_id').notNull(),
    kind: text('kind').notNull(),
    runId: text('run_id'),
    appliedAt: integer('applied_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.clientId] })],
);

// ——— model registry ———

export interface ManifestFile {
  path: string;
  digest: string;
  size: number;
}
export interface TensorSpec {
  name: string;
  dtype: string;
  shape: Array<number | string>;
}
export interface Signature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export const registeredModels = sqliteTable(
  'registered_models',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    tags: text('tags', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    /** Publishable (device) keys may read the model's manifests and blobs only when this is set. */
    devices: integer('devices', { mode: 'boolean' }).notNull().default(false),
    createdBy: text('created_by'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('registered_models_project_name').on(t.projectId, t.name)],
);
export type RegisteredModelRow = typeof registeredModels.$inferSelect;

/** Versions are immutable in files, format and signature; description and tags may change. */
export const modelVersions = sqliteTable(
  'model_versions',
  {
    modelId: text('model_id')
      .notNull()
      .references(() => registeredModels.id),
    version: integer('version').notNull(),
    format: text('format', { enum: ['onnx', 'tfjs-layers'] }).notNull(),
    files: text('files', { mode: 'json' }).$type<ManifestFile[]>().notNull(),
    signature: text('signature', { mode: 'json' }).$type<Signature>().notNull(),
    metrics: text('metrics', { mode: 'json' }).$type<Record<string, number>>().notNull().default(sql`'{}'`),
    sourceRunId: text('source_run_id'),
    /** The model `baseVersion` belongs to (a fine-tune's base may live in another model); null means this one. */
    baseModelId: text('base_model_id'),
    baseVersion: integer('base_version'),
    description: text('description').notNull().default(''),
    tags: text('tags', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    createdBy: text('created_by'),
    createdAt: integer('created_at').notNull(),
    /** Set when a run publishes: a hash of run, base, format and files, so a retried publish finds its version. */
    publishKey: text('publish_key'),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.version] }), uniqueIndex('model_versions_publish_key').on(t.modelId, t.publishKey)],
);
export type ModelVersionRow = typeof modelVersions.$inferSelect;

export const modelAliases = sqliteTable(
  'model_aliases',
  {
    modelId: text('model_id')
      .notNull()
      .references(() => registeredModels.id),
    alias: text('alias').notNull(),
    version: integer('version').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.alias] })],
);

/** Every alias move: from, to (null when removed), who, when, why. Rollback reads it. */
export const aliasEvents = sqliteTable(
  'alias_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    modelId: text('model_id')
      .notNull()
      .references(() => registeredModels.id),
    alias: text('alias').notNull(),
    fromVersion: integer('from_version'),
    toVersion: integer('to_version'),
    actor: text('actor'),
    reason: text('reason').notNull().default(''),
    at: integer('at').notNull(),
  },
  (t) => [index('alias_events_model_alias').on(t.modelId, t.alias, t.id)],
);

// ——— device telemetry ———

/**
 * What a telemetry row is about: one model version on one backend in one project. `model_id` has no foreign key:
 * telemetry never blocks deleting a model, and reads join it to live models.
 */
const telemetrySeries = () => ({
  projectId: text('project_id')
    .notNull()
    .references(() => projects.id),
  modelId: text('model_id').notNull(),
  version: integer('version').notNull(),
  backend: text('backend', { enum: backends }).notNull(),
});

/** Inference figures of one model version on one backend in one minute, summed over every device that reported. */
export const telemetryMinutes = sqliteTable(
  'telemetry_minutes',
  {
    ...telemetrySeries(),
    /** Start of the minute (epoch ms) that holds the reports' periodStart. */
    minute: integer('minute').notNull(),
    count: integer('count').notNull(),
    errors: integer('errors').notNull(),
    /** Latency of successful runs: exact sum, min and max (null while none succeeded), and the merged histogram. */
    latencySumMs: real('latency_sum_ms').notNull(),
    latencyMinMs: real('latency_min_ms'),
    latencyMaxMs: real('latency_max_ms'),
    histogram: text('histogram', { mode: 'json' }).$type<LatencyHistogram>().notNull(),
    lastError: text('last_error'),
    lastErrorAt: integer('last_error_at'),
    /** Latest periodEnd reported into this minute. */
    lastSeen: integer('last_seen').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.modelId, t.version, t.backend, t.minute] }), index('telemetry_minutes_project_minute').on(t.projectId, t.minute)],
);

/** Every device that reported a model version on a backend: "devices seen" is a distinct count of these rows. */
export const telemetryDevices = sqliteTable(
  'telemetry_devices',
  {
    ...telemetrySeries(),
    deviceId: text('device_id').notNull(),
    firstSeen: integer('first_seen').notNull(),
    lastSeen: integer('last_seen').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.modelId, t.version, t.backend, t.deviceId] })],
);
