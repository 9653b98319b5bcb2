import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt } from '../db/columns.js';

export const projects = sqliteTable('projects', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  createdAt: createdAt(),
  /** Publishable keys may publish fine-tuned versions into device-candidates models (hub/registry/device-publish.ts). */
  devicePublishing: integer('device_publishing', { mode: 'boolean' }).notNull().default(false),
});
export type ProjectRow = typeof projects.$inferSelect;
