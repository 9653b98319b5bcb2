import { and, asc, desc, eq, inArray, ne } from 'drizzle-orm';
import { conflict, notFound } from '../../shared/errors.js';
import type { WebhookDelivery } from '../../shared/schemas/webhooks.js';
import type { ProjectScope } from '../core/scope.js';
import { webhookAttempts, webhookDeliveries, type WebhookDeliveryRow, type WebhookSubscriptionRow } from './schema.js';

type AttemptRow = typeof webhookAttempts.$inferSelect;

function toDelivery(d: WebhookDeliveryRow, log: AttemptRow[]): WebhookDelivery {
  return {
    id: d.id,
    type: d.type,
    state: d.state,
    attempts: d.attempts,
    nextAttemptAt: d.state === 'pending' ? d.nextAttemptAt : null,
    lastStatus: d.lastStatus,
    createdAt: d.createdAt,
    body: d.body,
    log: log.map((a) => ({ at: a.at, status: a.status, error: a.error, durationMs: a.durationMs, response: a.response })),
  };
}

/** A subscription's deliveries, newest first, each with its attempt log (oldest attempt first). */
export async function listDeliveries({ db }: ProjectScope, sub: WebhookSubscriptionRow, limit = 50): Promise<WebhookDelivery[]> {
  const rows = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, sub.id)).orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id)).limit(limit);
  if (!rows.length) return [];
  const attempts = await db.select().from(webhookAttempts).where(inArray(webhookAttempts.deliveryId, rows.map((r) => r.id))).orderBy(asc(webhookAttempts.id));
  return rows.map((r) => toDelivery(r, attempts.filter((a) => a.deliveryId === r.id)));
}

export async function getDelivery({ db }: ProjectScope, sub: WebhookSubscriptionRow, id: string): Promise<WebhookDelivery> {
  const [row] = await db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.subscriptionId, sub.id)));
  if (!row) throw notFound(`webhook "${sub.id}" has no delivery "${id}"`);
  return toDelivery(row, await db.select().from(webhookAttempts).where(eq(webhookAttempts.deliveryId, id)).orderBy(asc(webhookAttempts.id)));
}

/**
 * Queues a finished delivery again, now, with the same `webhook-id` and body (receivers that already have it can
 * drop it by id) and a fresh attempt count. A delivery still pending is left as it is (409): it is on its way.
 */
export async function redeliver(scope: ProjectScope & { now: () => number }, sub: WebhookSubscriptionRow, id: string): Promise<WebhookDelivery> {
  const current = await getDelivery(scope, sub, id);
  const pending = () => conflict(`delivery "${id}" is still pending (attempt ${current.attempts + 1} is due); it needs no redeliver`);
  if (current.state === 'pending') throw pending();
  const at = scope.now();
  // Only a finished delivery is queued again: of two redelivers sent at once, one queues it and the other is a 409.
  const queued = await scope.db
    .update(webhookDeliveries)
    .set({ state: 'pending', attempts: 0, nextAttemptAt: at, leaseUntil: 0, updatedAt: at })
    .where(and(eq(webhookDeliveries.id, id), ne(webhookDeliveries.state, 'pending')))
    .returning({ id: webhookDeliveries.id });
  if (!queued.length) throw pending();
  return { ...current, state: 'pending', attempts: 0, nextAttemptAt: at };
}
