import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { RolloutDecision, RolloutState } from '../../shared/schemas/rollouts.js';
import type { LatencyHistogram } from '../../shared/telemetry/histogram.js';
import { projects } from '../projects/schema.js';

// ——— staged rollouts ———

/** A staged move of an alias to a candidate version, steered per device; one running or paused per alias. */
export const rollouts = sqliteTable(
  'rollouts',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    modelId: text('model_id').notNull(),
    alias: text('alias').notNull(),
    stableVersion: integer('stable_version').notNull(),
    candidateVersion: integer('candidate_version').notNull(),
    steps: text('steps', { mode: 'json' }).$type<number[]>().notNull(),
    intervalMs: integer('interval_ms').notNull(),
    maxErrorRate: real('max_error_rate'),
    maxP95Ratio: real('max_p95_ratio'),
    minRequests: integer('min_requests').notNull(),
    state: text('state').$type<RolloutState>().notNull(),
    step: integer('step').notNull(),
    percent: real('percent').notNull(),
    stepStartedAt: integer('step_started_at').notNull(),
    decisions: text('decisions', { mode: 'json' }).$type<RolloutDecision[]>().notNull(),
    createdBy: text('created_by'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    // The database, not a read-then-write, keeps two rollouts of one alias from running at once.
    uniqueIndex('rollouts_active_alias').on(t.modelId, t.alias).where(sql`state in ('running', 'paused')`),
    index('rollouts_model').on(t.modelId, t.createdAt),
    index('rollouts_due').on(t.state, t.stepStartedAt),
  ],
);
export type RolloutRow = typeof rollouts.$inferSelect;

/** Telemetry that arrived during each step, per side (candidate or stable): what a step's check reads. */
export const rolloutFigures = sqliteTable(
  'rollout_figures',
  {
    rolloutId: text('rollout_id').notNull(),
    step: integer('step').notNull(),
    side: text('side').$type<'candidate' | 'stable'>().notNull(),
    requests: integer('requests').notNull(),
    errors: integer('errors').notNull(),
    histogram: text('histogram', { mode: 'json' }).$type<LatencyHistogram>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.rolloutId, t.step, t.side] })],
);
