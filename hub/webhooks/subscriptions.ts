import { and, desc, eq, inArray } from 'drizzle-orm';
import { badRequest, conflict, notFound } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Webhook } from '../../shared/schemas/webhooks.js';
import type { ProjectScope } from '../core/scope.js';
import { destinationProblem, type ResolveHost } from './destination.js';
import { webhookAttempts, webhookDeliveries, webhookSubscriptions, type WebhookSubscriptionRow } from './schema.js';
import { newWebhookSecret } from './sign.js';

/** Subscriptions a project may have. */
export const MAX_SUBSCRIPTIONS = 25;

type Writer = ProjectScope & { now: () => number };
export interface DestinationRules {
  allowPrivate: boolean;
  resolve?: ResolveHost;
}

export const toWebhook = (r: WebhookSubscriptionRow): Webhook => ({ id: r.id, url: r.url, events: r.events, description: r.description, createdBy: r.createdBy, createdAt: r.createdAt, updatedAt: r.updatedAt });

async function checkUrl(url: string, rules: DestinationRules) {
  const problem = await destinationProblem(url, rules.allowPrivate, rules.resolve);
  if (problem) throw badRequest(`url: ${problem}`, [{ path: 'url', message: problem }]);
}

/** A new subscription with its secret (shown only in this reply). Each call makes a new one. */
export async function createWebhook(scope: Writer, input: { url: string; events: string[]; description?: string }, actor: string | null, rules: DestinationRules) {
  await checkUrl(input.url, rules);
  const count = (await scope.db.select({ id: webhookSubscriptions.id }).from(webhookSubscriptions).where(eq(webhookSubscriptions.projectId, scope.projectId))).length;
  if (count >= MAX_SUBSCRIPTIONS) throw conflict(`this project has ${count} webhooks, the most it may have; delete one first`);
  const at = scope.now();
  const row: WebhookSubscriptionRow = {
    id: newId('wh'),
    projectId: scope.projectId,
    url: input.url,
    events: [...new Set(input.events)],
    secret: newWebhookSecret(),
    description: input.description ?? '',
    createdBy: actor,
    createdAt: at,
    updatedAt: at,
  };
  await scope.db.insert(webhookSubscriptions).values(row);
  return { ...toWebhook(row), secret: row.secret };
}

export async function getWebhookRow({ db, projectId }: ProjectScope, id: string): Promise<WebhookSubscriptionRow> {
  const [row] = await db.select().from(webhookSubscriptions).where(and(eq(webhookSubscriptions.id, id), eq(webhookSubscriptions.projectId, projectId)));
  if (!row) throw notFound(`no webhook "${id}" in this project`);
  return row;
}

export async function listWebhooks({ db, projectId }: ProjectScope): Promise<Webhook[]> {
  const rows = await db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.projectId, projectId)).orderBy(desc(webhookSubscriptions.createdAt));
  return rows.map(toWebhook);
}

/** Changes the URL, events or description; the secret and pending deliveries stay (they go to the new URL). */
export async function updateWebhook(scope: Writer, row: WebhookSubscriptionRow, patch: { url?: string; events?: string[]; description?: string }, rules: DestinationRules): Promise<Webhook> {
  if (patch.url !== undefined) await checkUrl(patch.url, rules);
  const next = { url: patch.url ?? row.url, events: patch.events ? [...new Set(patch.events)] : row.events, description: patch.description ?? row.description, updatedAt: scope.now() };
  await scope.db.update(webhookSubscriptions).set(next).where(eq(webhookSubscriptions.id, row.id));
  return toWebhook({ ...row, ...next });
}

/** The subscription with its deliveries and their log, in one batch. */
export async function deleteWebhook({ db }: ProjectScope, row: WebhookSubscriptionRow): Promise<void> {
  const ids = db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, row.id));
  await db.batch([
    db.delete(webhookAttempts).where(inArray(webhookAttempts.deliveryId, ids)),
    db.delete(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, row.id)),
    db.delete(webhookSubscriptions).where(eq(webhookSubscriptions.id, row.id)),
  ]);
}
