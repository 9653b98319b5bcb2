import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { MetricRule } from '../../shared/cicd/gate.js';
import { registeredModels } from '../registry/schema.js';

// ——— CI/CD: alias policies ———

/** A gate an alias requires of every version it moves to. `baseline` null: the version the alias points to at the move. */
export const aliasPolicies = sqliteTable(
  'alias_policies',
  {
    modelId: text('model_id')
      .notNull()
      .references(() => registeredModels.id),
    alias: text('alias').notNull(),
    rules: text('rules', { mode: 'json' }).$type<MetricRule[]>().notNull(),
    /** A version number or an alias name (JSON), or null. */
    baseline: text('baseline', { mode: 'json' }).$type<number | string | null>(),
    updatedBy: text('updated_by'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.alias] })],
);
export type AliasPolicyRow = typeof aliasPolicies.$inferSelect;
