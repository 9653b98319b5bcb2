import type { AuditEvent, AuditPage, AuditQuery } from '../schemas/audit.js';
import type { HubClient } from './hub-client.js';

/** One page of `GET /v1/audit` (admin; an empty filter is no filter): may be shorter than `limit` even with a `nextPageToken` (see docs/audit.md). */
export function listAudit(hub: HubClient, query: AuditQuery = {}): Promise<AuditPage> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return hub.json<AuditPage>('GET', `/v1/audit${qs ? `?${qs}` : ''}`);
}

/** Up to `limit` events, newest first, following page tokens past short pages. */
export async function auditEvents(hub: HubClient, query: Omit<AuditQuery, 'pageToken'> & { limit: number }): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let pageToken: string | undefined;
  do {
    const page = await listAudit(hub, { ...query, limit: Math.min(500, query.limit - events.length), pageToken });
    events.push(...page.events);
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken && events.length < query.limit);
  return events;
}
