import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { EntityDef, FeatureServiceDef, FeatureViewDef } from '../../shared/schemas/features.js';
import { projects } from '../projects/schema.js';

// ——— feature store ———

const projectId = () =>
  text('project_id')
    .notNull()
    .references(() => projects.id);

/** A table of definitions kept whole as applied (JSON), keyed by name: apply compares them, reads use them as they are. */
const definitionTable = <T>(table: string) =>
  sqliteTable(
    table,
    { projectId: projectId(), name: text('name').notNull(), definition: text('definition', { mode: 'json' }).$type<T>().notNull() },
    (t) => [primaryKey({ columns: [t.projectId, t.name] })],
  );

export const featureEntities = definitionTable<EntityDef>('feature_entities');
export const featureServices = definitionTable<FeatureServiceDef>('feature_services');

export const featureViews = sqliteTable(
  'feature_views',
  {
    projectId: projectId(),
    name: text('name').notNull(),
    definition: text('definition', { mode: 'json' }).$type<FeatureViewDef>().notNull(),
    /** The push source feeding the view, so a push finds its view by index. */
    pushSource: text('push_source'),
    /** Where incremental materialization stopped (epoch ms). */
    materializedUntil: integer('materialized_until'),
    /** When the view was last materialized (epoch ms of the call). */
    lastMaterializedAt: integer('last_materialized_at'),
    /** The file a file-sourced view's offline rows were loaded from (its digest), so applying it again loads nothing. */
    loadedFile: text('loaded_file'),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.name] }), uniqueIndex('feature_views_push_source').on(t.projectId, t.pushSource)],
);

/**
 * The offline store: every row ever pushed, with its event and created times. `seq` orders writes (ties go to
 * the latest); `entity_key` is the JSON array of the view's join-key values; `vals` a JSON object by field.
 */
export const featureRows = sqliteTable(
  'feature_rows',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    projectId: text('project_id').notNull(),
    view: text('view').notNull(),
    entityKey: text('entity_key').notNull(),
    eventTs: integer('event_ts').notNull(),
    createdTs: integer('created_ts'),
    vals: text('vals').notNull(),
  },
  (t) => [index('feature_rows_lookup').on(t.projectId, t.view, t.entityKey, t.eventTs)],
);

/** The online store: the latest row per entity and view. */
export const featureOnline = sqliteTable(
  'feature_online',
  {
    projectId: text('project_id').notNull(),
    view: text('view').notNull(),
    entityKey: text('entity_key').notNull(),
    eventTs: integer('event_ts').notNull(),
    createdTs: integer('created_ts'),
    vals: text('vals').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.view, t.entityKey] })],
);

export type FeatureViewRow = typeof featureViews.$inferSelect;

/**
 * Saved training sets: a historical request kept with its definition digest (the request and the definitions of
 * the views it read) and its rows frozen in a blob, so asking for it later returns the same rows.
 */
export const featureTrainingSets = sqliteTable(
  'feature_training_sets',
  {
    projectId: text('project_id').notNull(),
    name: text('name').notNull(),
    /** sha256 of the request and the view definitions it read, canonical JSON. */
    digest: text('digest').notNull(),
    request: text('request', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /** The rows as a JSON columns blob (the blob store's digest). */
    blob: text('blob').notNull(),
    rows: integer('rows').notNull(),
    createdBy: text('created_by'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.name] })],
);
