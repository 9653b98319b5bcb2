import { and, desc, eq, gte, lt, lte, sql, type SQL } from 'drizzle-orm';
import { badRequest } from '../../shared/errors.js';
import type { AuditEvent, AuditPage } from '../../shared/schemas/audit.js';
import type { Actor, ProjectScope } from '../core/scope.js';
import type { Db } from '../db/client.js';
import { auditEvents, type AuditEventRow } from './schema.js';

export interface NewAuditEvent {
  projectId: string;
  at: number;
  actor: Actor;
  action: string;
  target: string;
  address: string;
  reason: string | null;
  details: Record<string, unknown> | null;
}

/** Appends one event. */
export async function recordAuditEvent(db: Db, e: NewAuditEvent): Promise<void> {
  await db.insert(auditEvents).values({
    projectId: e.projectId,
    at: e.at,
    actorType: e.actor.type,
    actorId: e.actor.id,
    actorName: e.actor.name,
    action: e.action,
    target: e.target,
    address: e.address,
    reason: e.reason,
    details: e.details,
  });
}

export interface AuditFilters {
  actor?: string;
  action?: string;
  target?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  until?: number;
}

/** Rows one page may walk past before it answers: a page over a sparse filter may come back short, with a token to go on. */
export const AUDIT_SCAN_BUDGET = 2000;

const prefixOf = (value: string, marks: string[]) => (marks.some((m) => value.endsWith(m)) ? value.replace(/\*$/, '') : null);

/**
 * One page of the project's events, newest first. The most selective exact filter (target, actor, action) picks the
 * index the page walks in `id` order; the page walks at most AUDIT_SCAN_BUDGET rows of it, and the token says where
 * the walk stopped, so pages neither repeat nor skip an event however the filters thin them out.
 */
export async function listAuditEvents({ db, projectId }: ProjectScope, filters: AuditFilters, limit: number, pageToken?: string): Promise<AuditPage> {
  const before = pageToken === undefined ? undefined : decodeToken(pageToken, filters);
  const actionPrefix = filters.action === undefined ? null : prefixOf(filters.action, ['.', '*']);
  const targetPrefix = filters.target === undefined ? null : prefixOf(filters.target, ['*']);
  const walk: (SQL | undefined)[] = [eq(auditEvents.projectId, projectId), before === undefined ? undefined : lt(auditEvents.id, before)];
  const rest: (SQL | undefined)[] = [];
  const exact = [
    filters.target !== undefined && targetPrefix === null ? eq(auditEvents.target, filters.target) : undefined,
    filters.actor !== undefined ? eq(auditEvents.actorId, filters.actor) : undefined,
    filters.action !== undefined && actionPrefix === null ? eq(auditEvents.action, filters.action) : undefined,
  ].filter((c): c is SQL => c !== undefined);
  walk.push(exact[0]);
  rest.push(...exact.slice(1));
  if (actionPrefix !== null) rest.push(sql`substr(${auditEvents.action}, 1, ${actionPrefix.length}) = ${actionPrefix}`);
  if (targetPrefix !== null) rest.push(sql`substr(${auditEvents.target}, 1, ${targetPrefix.length}) = ${targetPrefix}`);
  if (filters.since !== undefined) rest.push(gte(auditEvents.at, filters.since));
  if (filters.until !== undefined) rest.push(lte(auditEvents.at, filters.until));

  // The lowest id this page may reach: the budget's last row of the walk (none when the walk ends sooner).
  const [floor] = await db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(and(...walk))
    .orderBy(desc(auditEvents.id))
    .limit(1)
    .offset(AUDIT_SCAN_BUDGET - 1);
  const rows = await db
    .select()
    .from(auditEvents)
    .where(and(...walk, ...rest, floor ? gte(auditEvents.id, floor.id) : undefined))
    .orderBy(desc(auditEvents.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const next = rows.length > limit ? page[page.length - 1]!.id : floor ? floor.id : null;
  return { events: page.map(toAuditEvent), nextPageToken: next === null ? null : encodeToken(next, filters) };
}

export function toAuditEvent(r: AuditEventRow): AuditEvent {
  return {
    id: String(r.id),
    at: new Date(r.at).toISOString(),
    actor: { type: r.actorType, id: r.actorId, name: r.actorName },
    action: r.action,
    target: r.target,
    address: r.address,
    reason: r.reason,
    details: r.details ?? null,
  };
}

// The token carries the filters it was made for, so a token used with other filters is refused rather than misread.
const filterKey = (f: AuditFilters) => JSON.stringify([f.actor ?? null, f.action ?? null, f.target ?? null, f.since ?? null, f.until ?? null]);

function encodeToken(before: number, filters: AuditFilters): string {
  return btoa(JSON.stringify({ before, filters: filterKey(filters) })).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function decodeToken(token: string, filters: AuditFilters): number {
  let parsed: { before?: unknown; filters?: unknown };
  try {
    parsed = JSON.parse(atob(token.replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    throw badRequest('invalid pageToken: pass back the nextPageToken of the previous page unchanged');
  }
  if (typeof parsed?.before !== 'number' || !Number.isSafeInteger(parsed.before)) throw badRequest('invalid pageToken: pass back the nextPageToken of the previous page unchanged');
  if (parsed.filters !== filterKey(filters)) throw badRequest('invalid pageToken: it belongs to a query with other filters; send the same actor, action, target, since and until');
  return parsed.before;
}
