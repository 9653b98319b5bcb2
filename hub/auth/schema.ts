import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt } from '../db/columns.js';
import { projects } from '../projects/schema.js';

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
