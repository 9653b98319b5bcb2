import { eq } from 'drizzle-orm';
import { newId } from '../../shared/ids.js';
import type { WebhookEventType } from '../../shared/schemas/webhooks.js';
import type { ProjectScope } from '../core/scope.js';
import { webhookDeliveries, webhookSubscriptions } from './schema.js';

/** Largest event body queued; a larger `data` is replaced by `{"truncated":true}` so the event still goes out. */
export const MAX_EVENT_BYTES = 64 * 1024;

/**
 * The seam every domain emits events through: the statements that queue one delivery per subscription of the
 * project that wants `type`, for the caller to put in the same `db.batch` as the change itself, so an event is
 * queued exactly when its change is stored (and survives a restart). No subscription: no statements.
 * After the batch, the platform's delivery worker sends them (hub/webhooks/deliver.ts).
 */
export async function emitEvent(scope: ProjectScope & { now?: () => number }, type: WebhookEventType, data: Record<string, unknown>) {
  const { db, projectId } = scope;
  const subs = await db.select({ id: webhookSubscriptions.id, events: webhookSubscriptions.events }).from(webhookSubscriptions).where(eq(webhookSubscriptions.projectId, projectId));
  const wanting = subs.filter((s) => s.events.includes(type));
  if (!wanting.length) return [];
  const at = scope.now?.() ?? Date.now();
  let body = JSON.stringify({ type, timestamp: new Date(at).toISOString(), data });
  if (new TextEncoder().encode(body).length > MAX_EVENT_BYTES) body = JSON.stringify({ type, timestamp: new Date(at).toISOString(), data: { truncated: true } });
  return wanting.map((s) =>
    db.insert(webhookDeliveries).values({ id: newId('msg'), subscriptionId: s.id, projectId, type, body, state: 'pending', attempts: 0, nextAttemptAt: at, createdAt: at, updatedAt: at }),
  );
}

/** Queues an event on its own, for a change that was already stored by a statement the caller could not batch. */
export async function emitEventNow(scope: ProjectScope & { now?: () => number }, type: WebhookEventType, data: Record<string, unknown>): Promise<void> {
  const statements = await emitEvent(scope, type, data);
  if (statements.length) await scope.db.batch(statements as [(typeof statements)[0], ...typeof statements]);
}
