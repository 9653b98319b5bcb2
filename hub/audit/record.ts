import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import type { Context } from 'hono';
import { OutpostError } from '../../shared/errors.js';
import { clientAddress } from '../http/client-address.js';
import type { HubEnv } from '../http/env.js';
import { AUDITED, NOT_AUDITED, routeKey, type RouteFacts } from './actions.js';
import { recordAuditEvent, type NewAuditEvent } from './events.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

async function jsonOf(read: () => Promise<unknown>): Promise<Record<string, any>> {
  try {
    const value = await read();
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, any>) : {};
  } catch {
    return {};
  }
}

async function factsOf(c: Context<HubEnv>, projectId: string): Promise<RouteFacts> {
  const validated = (c.req.valid as (target: string) => unknown)('json');
  const sentJson = /json/i.test(c.req.header('content-type') ?? '');
  const input = validated !== undefined ? await jsonOf(async () => validated) : sentJson ? await jsonOf(() => c.req.json()) : {};
  const reply = /json/i.test(c.res.headers.get('content-type') ?? '') ? await jsonOf(() => c.res.clone().json()) : {};
  return { params: c.req.param() as Record<string, string>, query: c.req.query(), input, reply, projectId };
}

const compact = (details: Record<string, unknown> | null | undefined) => {
  const kept = Object.entries(details ?? {}).filter(([, v]) => v !== undefined);
  return kept.length ? Object.fromEntries(kept) : null;
};

/** The event a successful request makes, or null when it is no change to record. */
async function eventOf(c: Context<HubEnv>): Promise<NewAuditEvent | null> {
  if (READS.has(c.req.method) || c.res.status < 200 || c.res.status >= 300) return null;
  const key = routeKey(c.req.method, routePath(c));
  if (key in NOT_AUDITED) return null;
  const principal = c.get('principal') as HubEnv['Variables']['principal'] | undefined;
  const route = AUDITED[key];
  const at = Date.now();
  const address = clientAddress(c);
  if (!route) {
    // A mutating route missing from both tables (the coverage test stops that): still on the record, by its route.
    if (!principal) return null;
    return { projectId: principal.projectId, at, actor: principal.actor, action: 'unlisted', target: key, address, reason: null, details: null };
  }
  const facts = await factsOf(c, principal?.projectId ?? '');
  const who = principal ? { actor: principal.actor, projectId: principal.projectId } : (route.actorFromReply?.(facts) ?? null);
  if (!who) return null;
  facts.projectId = who.projectId;
  const reason = route.reason?.(facts);
  return {
    projectId: who.projectId,
    at,
    actor: who.actor,
    action: route.action,
    target: route.target(facts),
    address,
    reason: typeof reason === 'string' && reason.trim() ? reason : null,
    details: compact(route.details?.(facts)),
  };
}

/**
 * Records each change made through the API (hub/audit/actions.ts says which routes are changes) after its handler
 * succeeded and before the reply leaves, so a 2xx reply means the event is stored. If storing it fails, the reply
 * becomes a 500 that says the change itself was applied; if the hub stops between the change and its event, the
 * change stands unrecorded (docs/audit.md).
 */
export const auditChanges = createMiddleware<HubEnv>(async (c, next) => {
  await next();
  const event = await eventOf(c);
  if (!event) return;
  try {
    await recordAuditEvent(c.get('deps').db, event);
  } catch (err) {
    console.error(`[outpost] audit event not stored: ${JSON.stringify(event)}: ${(err as Error).message}`);
    throw new OutpostError(500, 'internal', `the change was applied, but its audit event could not be stored (${(err as Error).message}); check the hub's database before retrying`);
  }
});
