import type { Context } from 'hono';
import type { HubConfig } from '../config.js';
import type { Db } from '../db/client.js';
import { deliverDue, type DeliveryOptions } from './deliver.js';
import type { ResolveHost } from './destination.js';

/** What a platform gives the webhook domain (through HubDeps): how to resolve host names and when to deliver. */
export interface WebhookPlatform {
  /** Resolves a host name to its addresses (Node: dns.lookup); absent where names cannot be resolved (Workers). */
  resolve?: ResolveHost;
  /** After a write request succeeded: send what it queued soon (Node: wake the timer loop; Workers: waitUntil). */
  nudge(c: Context): void;
}

/** The delivery options of a config and platform. */
export const deliveryOptions = (config: HubConfig, resolve?: ResolveHost): DeliveryOptions => ({ ...config.webhooks, resolve });

/** Delivers due deliveries until none is left or `budgetMs` has passed (one Workers cron run, one request's waitUntil). */
export async function drainDeliveries(db: Db, options: DeliveryOptions, budgetMs: number): Promise<void> {
  const until = Date.now() + budgetMs;
  while (Date.now() < until && (await deliverDue(db, options)) > 0);
}
