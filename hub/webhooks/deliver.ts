import { and, asc, eq, lte } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { destinationProblem, type ResolveHost } from './destination.js';
import { webhookAttempts, webhookDeliveries, webhookSubscriptions, type WebhookDeliveryRow } from './schema.js';
import { signDelivery } from './sign.js';

/** How deliveries go out; the entries fill it from the config (OUTPOST_WEBHOOK_*) and the platform. */
export interface DeliveryOptions {
  /** Every attempt waits this long for an answer. */
  timeoutMs: number;
  /** The first retry's delay; each next one doubles, up to 60 × this (1 s → 1 min). */
  retryBaseMs: number;
  /** Attempts before a delivery is given up as failed (a redeliver starts a fresh count). */
  maxAttempts: number;
  allowPrivate: boolean;
  resolve?: ResolveHost;
  fetch?: typeof fetch;
  now?: () => number;
  random?: () => number;
}

export const RESPONSE_EXCERPT_BYTES = 1024;
/** Retry-After is honoured up to this (a receiver cannot park a delivery for days). */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/** The wait before attempt `attempt + 1`: base·2^(attempt−1), capped at 60·base, with jitter in [½, 1]; at least Retry-After. */
export function retryDelay(attempt: number, retryAfterMs: number | null, o: Pick<DeliveryOptions, 'retryBaseMs' | 'random'>): number {
  const exp = Math.min(o.retryBaseMs * 2 ** (attempt - 1), o.retryBaseMs * 60);
  const jittered = Math.round(exp * (0.5 + (o.random ?? Math.random)() / 2));
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
}

/** Retry-After as seconds or an HTTP date, in ms from now; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (!header) return null;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The first KB of a reply, read no further. */
async function excerpt(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all.subarray(0, RESPONSE_EXCERPT_BYTES)).replace(/\uFFFD+$/, '');
}

interface Outcome {
  status: number | null;
  error: string | null;
  response: string;
  retryAfterMs: number | null;
  /** Retry later (network error, timeout, 429, 5xx) rather than give up. */
  retry: boolean;
}

async function attempt(delivery: WebhookDeliveryRow, url: string, secret: string, o: DeliveryOptions, now: number): Promise<Outcome> {
  const problem = await destinationProblem(url, o.allowPrivate, o.resolve);
  if (problem) return { status: null, error: `refused: ${problem}`, response: '', retryAfterMs: null, retry: false };
  const headers = { 'content-type': 'application/json', 'user-agent': 'Outpost-Webhooks/1', ...(await signDelivery(secret, delivery.id, Math.floor(now / 1000), delivery.body)) };
  try {
    // Redirects are not followed: a public URL must not bounce a signed request to a private one.
    const res = await (o.fetch ?? fetch)(url, { method: 'POST', headers, body: delivery.body, redirect: 'manual', signal: AbortSignal.timeout(o.timeoutMs) });
    const response = await excerpt(res);
    const retry = res.status === 429 || res.status >= 500;
    const ok = res.status >= 200 && res.status < 300;
    return { status: res.status, error: ok ? null : `HTTP ${res.status}`, response, retryAfterMs: retry ? retryAfterMs(res.headers.get('retry-after'), now) : null, retry };
  } catch (err) {
    const e = err as Error & { cause?: Error };
    const error = e.name === 'TimeoutError' ? `no answer within ${o.timeoutMs} ms` : `${e.message}${e.cause?.message ? ` (${e.cause.message})` : ''}`;
    return { status: null, error, response: '', retryAfterMs: null, retry: true };
  }
}

/** Takes the delivery for this worker until its lease runs out, unless another worker holds it or it is no longer due. */
async function claim(db: Db, id: string, now: number, leaseMs: number): Promise<WebhookDeliveryRow | undefined> {
  const [row] = await db
    .update(webhookDeliveries)
    .set({ leaseUntil: now + leaseMs })
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.state, 'pending'), lte(webhookDeliveries.leaseUntil, now), lte(webhookDeliveries.nextAttemptAt, now)))
    .returning();
  return row;
}

/** One attempt at one claimed delivery, written to the log with the delivery's next state in one batch. */
async function deliverOne(db: Db, delivery: WebhookDeliveryRow, o: DeliveryOptions): Promise<void> {
  const now = (o.now ?? Date.now)();
  const [sub] = await db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, delivery.subscriptionId));
  const started = Date.now();
  const outcome: Outcome = sub ? await attempt(delivery, sub.url, sub.secret, o, now) : { status: null, error: 'the subscription was deleted', response: '', retryAfterMs: null, retry: false };
  const durationMs = Date.now() - started;
  const attempts = delivery.attempts + 1;
  const succeeded = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
  const retry = !succeeded && outcome.retry && attempts < o.maxAttempts;
  const state = succeeded ? 'succeeded' : retry ? 'pending' : 'failed';
  const end = (o.now ?? Date.now)();
  await db.batch([
    db.insert(webhookAttempts).values({ deliveryId: delivery.id, at: now, status: outcome.status, error: outcome.error, durationMs, response: outcome.response }),
    db
      .update(webhookDeliveries)
      .set({ state, attempts, lastStatus: outcome.status, leaseUntil: 0, updatedAt: end, nextAttemptAt: retry ? end + retryDelay(attempts, outcome.retryAfterMs, o) : delivery.nextAttemptAt })
      .where(eq(webhookDeliveries.id, delivery.id)),
  ]);
}

/**
 * Sends every delivery that is due (up to `limit`), each claimed first so two workers (a Node timer and a request,
 * two Workers isolates) never send one attempt twice. Returns how many were attempted.
 */
export async function deliverDue(db: Db, o: DeliveryOptions, limit = 25): Promise<number> {
  const now = (o.now ?? Date.now)();
  const due = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.state, 'pending'), lte(webhookDeliveries.nextAttemptAt, now), lte(webhookDeliveries.leaseUntil, now)))
    .orderBy(asc(webhookDeliveries.nextAttemptAt))
    .limit(limit);
  const leaseMs = o.timeoutMs + 30_000;
  const claimed = (await Promise.all(due.map((d) => claim(db, d.id, now, leaseMs)))).filter((d): d is WebhookDeliveryRow => d !== undefined);
  await Promise.all(claimed.map((d) => deliverOne(db, d, o)));
  return claimed.length;
}
