import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { projects } from '../projects/schema.js';

// ——— webhooks ———

/** Where a project's events go. The secret (whsec_…) is kept to sign with; it is shown once, at creation. */
export const webhookSubscriptions = sqliteTable(
  'webhook_subscriptions',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    url: text('url').notNull(),
    events: text('events', { mode: 'json' }).$type<string[]>().notNull(),
    secret: text('secret').notNull(),
    description: text('description').notNull().default(''),
    createdBy: text('created_by'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('webhook_subscriptions_project').on(t.projectId, t.createdAt)],
);
export type WebhookSubscriptionRow = typeof webhookSubscriptions.$inferSelect;

/**
 * One event for one subscription: its id is the `webhook-id` of every attempt, its body is fixed when the event
 * happens. `pending` deliveries are due at `next_attempt_at`; a worker holds one while `lease_until` is ahead.
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    subscriptionId: text('subscription_id')
      .notNull()
      .references(() => webhookSubscriptions.id),
    projectId: text('project_id').notNull(),
    type: text('type').notNull(),
    body: text('body').notNull(),
    state: text('state', { enum: ['pending', 'succeeded', 'failed'] }).notNull(),
    /** Attempts since it was queued (or last redelivered). */
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    leaseUntil: integer('lease_until').notNull().default(0),
    lastStatus: integer('last_status'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('webhook_deliveries_due').on(t.state, t.nextAttemptAt), index('webhook_deliveries_subscription').on(t.subscriptionId, t.createdAt)],
);
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;

/** Every attempt at a delivery: the status (null when no answer came), how long, the first KB of the reply. */
export const webhookAttempts = sqliteTable(
  'webhook_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id),
    at: integer('at').notNull(),
    status: integer('status'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
    response: text('response').notNull().default(''),
  },
  (t) => [index('webhook_attempts_delivery').on(t.deliveryId, t.id)],
);
