import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(cast(unixepoch('subsecond') * 1000 as integer))`);

export const projects = sqliteTable('projects', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  createdAt: createdAt(),
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
