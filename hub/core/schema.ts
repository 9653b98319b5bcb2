import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

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
