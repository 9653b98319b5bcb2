import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { projects } from '../projects/schema.js';

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
    /** The feature service it was trained on (a name: lineage outlives the service). */
    featureService: text('feature_service'),
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
    /** An admin moved it past a failing gate (alias policy). */
    forced: integer('forced', { mode: 'boolean' }).notNull().default(false),
    at: integer('at').notNull(),
  },
  (t) => [index('alias_events_model_alias').on(t.modelId, t.alias, t.id)],
);
