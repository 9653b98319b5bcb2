import { z } from 'zod';
import { clientId } from './sync.js';

/** Names of entities, views, fields and services: what Feast accepts, and safe inside `view:field` and `view__field`. */
const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be letters, digits and _ (not starting with a digit), at most 128');
const meta = {
  description: z.string().max(5000).default(''),
  tags: z.record(z.string(), z.string()).default({}),
  owner: z.string().max(500).default(''),
};

export const featureDtypes = ['int64', 'float64', 'string', 'bool', 'float32[]'] as const;
export type FeatureDtype = (typeof featureDtypes)[number];
export const joinKeyTypes = ['int64', 'string'] as const;

export const entitySchema = z.object({ name, join_keys: z.array(name).min(1).max(8), value_type: z.enum(joinKeyTypes), ...meta });

export const featureSourceSchema = z.union([
  z.object({ push: name }).strict(),
  z.object({ file: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 hex>'), format: z.enum(['parquet', 'csv', 'jsonl']) }).strict(),
  z.object({ dataset: z.string().min(1), path: z.string().min(1) }).strict(),
]);

export const featureViewSchema = z.object({
  name,
  entities: z.array(name).min(1).max(8),
  /** Seconds; 0 means no limit. */
  ttl: z.number().int().nonnegative().default(0),
  timestamp_field: name.default('event_timestamp'),
  created_timestamp_column: name.optional(),
  online: z.boolean().default(true),
  /** Readable by publishable (device) keys, and writable through device sync, when true. */
  devices: z.boolean().default(false),
  schema: z.array(z.object({ name, dtype: z.enum(featureDtypes) })).min(1).max(500),
  source: featureSourceSchema,
  ...meta,
});

const featureRef = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*:[A-Za-z_][A-Za-z0-9_]*$/, 'must be "view:field"');
export const featureServiceSchema = z.object({ name, features: z.array(featureRef).min(1).max(1000), ...meta });

/** The definitions document (DESIGN §11), as `outpost features apply` reads it from YAML or JSON. */
export const featureDefinitionsSchema = z.object({
  entities: z.array(entitySchema).default([]),
  feature_views: z.array(featureViewSchema).default([]),
  feature_services: z.array(featureServiceSchema).default([]),
});
export const applyFeaturesSchema = featureDefinitionsSchema.extend({
  /** Apply breaking changes (a field's type changes, a field or view disappears) instead of refusing them. */
  force: z.boolean().default(false),
});

export type EntityDef = z.infer<typeof entitySchema>;
export type FeatureViewDef = z.infer<typeof featureViewSchema>;
export type FeatureServiceDef = z.infer<typeof featureServiceSchema>;
export type FeatureDefinitions = z.infer<typeof featureDefinitionsSchema>;

const planNames = z.object({ entities: z.array(z.string()), feature_views: z.array(z.string()), feature_services: z.array(z.string()) });
export const applyPlanSchema = z.object({
  created: planNames,
  updated: planNames,
  unchanged: planNames,
  deleted: planNames,
  /** Breaking changes applied because of `force` (empty otherwise). */
  breaking: z.array(z.string()),
  /** The table files loaded into file-sourced views' offline stores (a view whose file and definition are unchanged loads nothing). */
  loaded: z.array(z.object({ view: z.string(), file: z.string(), rows: z.number().int() })).default([]),
});
export type ApplyPlan = z.infer<typeof applyPlanSchema>;

export const featureViewInfoSchema = featureViewSchema.extend({
  /** Where incremental materialization stopped (epoch ms), null before the first. */
  materialized_until: z.number().nullable(),
});
/** One view with how fresh its stores are (the console's view page). */
export const featureViewDetailSchema = featureViewInfoSchema.extend({
  stats: z.object({
    offline_rows: z.number().int(),
    online_rows: z.number().int(),
    /** The newest event time in the offline store (epoch ms), null when it is empty. */
    newest_event_ts: z.number().nullable(),
    /** When the view was last materialized (epoch ms of the call), null before the first. */
    last_materialized_at: z.number().nullable(),
  }),
  /** The feature services naming any of its fields. */
  services: z.array(z.string()),
});
/** One service with the model versions trained on it (lineage). */
export const featureServiceDetailSchema = featureServiceSchema.extend({
  model_versions: z.array(z.object({ model: z.string(), version: z.number().int() })),
});
export const featureListSchema = z.object({
  entities: z.array(entitySchema),
  feature_views: z.array(featureViewInfoSchema),
  feature_services: z.array(featureServiceSchema),
});

/** ISO 8601 (Feast's `2022-05-13 10:59:42` read as UTC) or epoch milliseconds. */
export const timestampSchema = z.union([z.string(), z.number()]);

const columns = z.record(z.string(), z.array(z.unknown()));
export const pushTargets = ['online', 'offline', 'online_and_offline', 'both'] as const;
export const pushSchema = z.object({
  push_source_name: name,
  df: columns,
  to: z.enum(pushTargets).default('online'),
});
export type PushRequest = z.infer<typeof pushSchema>;
export const pushReplySchema = z.object({ rows: z.number().int(), online: z.number().int(), offline: z.number().int() });

const featureSelection = {
  features: z.array(featureRef).min(1).max(1000).optional(),
  feature_service: name.optional(),
  full_feature_names: z.boolean().default(false),
};
const oneSelection = (v: { features?: string[]; feature_service?: string }) => (v.features === undefined) !== (v.feature_service === undefined);
const selectionMessage = { message: 'give exactly one of features or feature_service', path: ['features'] };

export const onlineRequestSchema = z.object({ entities: columns, ...featureSelection }).refine(oneSelection, selectionMessage);
export type OnlineRequest = z.infer<typeof onlineRequestSchema>;
export const featureStatuses = ['PRESENT', 'NULL_VALUE', 'NOT_FOUND', 'OUTSIDE_MAX_AGE'] as const;
export const onlineReplySchema = z.object({
  metadata: z.object({ feature_names: z.array(z.string()) }),
  results: z.array(z.object({ values: z.array(z.unknown()), statuses: z.array(z.enum(featureStatuses)), event_timestamps: z.array(z.string()) })),
});
export type OnlineReply = z.infer<typeof onlineReplySchema>;

const historicalFields = {
  entities: columns,
  ...featureSelection,
  /** Leave out rows created after the entity row's time (default); false reproduces Feast's leak. */
  createdFilter: z.boolean().default(true),
};
export const historicalRequestSchema = z.object(historicalFields).refine(oneSelection, selectionMessage);
export type HistoricalRequest = z.infer<typeof historicalRequestSchema>;
export const historicalReplySchema = z.object({ columns: z.record(z.string(), z.array(z.unknown())) });
export type HistoricalReply = z.infer<typeof historicalReplySchema>;
/** `?format=parquet` answers a Parquet file instead of JSON columns. */
export const tableFormatQuerySchema = z.object({ format: z.enum(['json', 'parquet']).default('json') });

/** Saving a historical request's rows under a name: asked again later, it answers the same rows. */
export const saveTrainingSetSchema = z.object({ name, ...historicalFields }).refine(oneSelection, selectionMessage);
export const trainingSetSchema = z.object({
  name: z.string(),
  /** sha256 of the request (entity rows, features, options) and the definitions of the views it read. */
  digest: z.string(),
  features: z.array(z.string()),
  full_feature_names: z.boolean(),
  createdFilter: z.boolean(),
  rows: z.number().int(),
  /** The blob holding the rows (JSON: `{digest, columns}`). */
  blob: z.string(),
  created_by: z.string().nullable(),
  created_at: z.number(),
});
export type TrainingSet = z.infer<typeof trainingSetSchema>;
export const trainingSetListSchema = z.object({ training_sets: z.array(trainingSetSchema) });
export const trainingSetRowsSchema = trainingSetSchema.extend({ columns: z.record(z.string(), z.array(z.unknown())) });

export const materializeSchema = z.object({ start_ts: timestampSchema, end_ts: timestampSchema, feature_views: z.array(name).optional() });
export const materializeIncrementalSchema = z.object({ end_ts: timestampSchema, feature_views: z.array(name).optional() });
export const materializeReplySchema = z.object({
  views: z.array(z.object({ name: z.string(), start_ts: z.number(), end_ts: z.number(), rows: z.number().int() })),
});

/** A device's push from its outbox (`/v1/sync`): applied once, into a push source whose view has `devices: true`. */
export const featurePushItemSchema = pushSchema.extend({ id: clientId, type: z.literal('feature.push') });
