import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt } from '../db/columns.js';
import { projects } from '../projects/schema.js';

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
