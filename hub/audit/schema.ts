import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { projects } from '../projects/schema.js';

/**
 * One change made through the API: who (a person or a key, with the name they had then), what, to what, from where,
 * why. Rows are only ever added. `id` orders them (newest first is `id` descending); each filter has an index that
 * ends in `id`, so a filtered page walks its rows in that order.
 */
export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    /** Epoch ms. */
    at: integer('at').notNull(),
    actorType: text('actor_type', { enum: ['user', 'key'] }).notNull(),
    actorId: text('actor_id').notNull(),
    actorName: text('actor_name').notNull(),
    action: text('action').notNull(),
    target: text('target').notNull(),
    address: text('address').notNull(),
    reason: text('reason'),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [
    index('audit_events_project').on(t.projectId, t.id),
    index('audit_events_action').on(t.projectId, t.action, t.id),
    index('audit_events_actor').on(t.projectId, t.actorId, t.id),
    index('audit_events_target').on(t.projectId, t.target, t.id),
  ],
);
export type AuditEventRow = typeof auditEvents.$inferSelect;
