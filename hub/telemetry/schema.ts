import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { backends } from '../../shared/schemas/telemetry.js';
import type { LatencyHistogram } from '../../shared/telemetry/histogram.js';
import { projects } from '../projects/schema.js';

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
