import { auditPageSchema, auditQuerySchema } from '../../shared/schemas/audit.js';
import { access } from '../auth/access.js';
import { errorResponses, hubRoute, json, newRouter } from '../http/openapi.js';
import { scopeOf } from '../http/scope.js';
import { listAuditEvents } from './events.js';

const timeOf = (value: string | undefined) => (value === undefined ? undefined : /^\d+$/.test(value) ? Number(value) : Date.parse(value));

/** The project's audit log (admin keys, and admins and owners signed in to the console). */
export const auditRoutes = newRouter().openapi(
  hubRoute({
    method: 'get',
    path: '/v1/audit',
    tags: ['audit'],
    summary: 'Changes made to the project, newest first: who, what, to what, from where, why',
    description:
      '`action` is exact or a prefix ending in `.` or `*` (`model.`); `target` exact or a prefix ending in `*` (`model:digits*`); `actor` an actor id; `since` and `until` (inclusive) ISO 8601 or epoch ms. A page walks at most 2000 events, so a sparse filter may answer a short page with a `nextPageToken`: follow it until it is null.',
    middleware: access({ secret: 'admin' }),
    request: { query: auditQuerySchema },
    responses: { 200: { description: 'Events', content: json(auditPageSchema) }, ...errorResponses(400, 401, 403) },
  }),
  async (c) => {
    const { limit, pageToken, since, until, ...filters } = c.req.valid('query');
    return c.json(await listAuditEvents(scopeOf(c), { ...filters, since: timeOf(since), until: timeOf(until) }, limit, pageToken), 200);
  },
);
