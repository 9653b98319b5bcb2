import { sql } from 'drizzle-orm';
import { AUDITED, NOT_AUDITED, routeKey } from '../../../hub/audit/actions.js';
import { resolveActors } from '../../../hub/audit/actors.js';
import { AUDIT_SCAN_BUDGET, listAuditEvents } from '../../../hub/audit/events.js';
import { auditEvents } from '../../../hub/audit/schema.js';
import { access } from '../../../hub/auth/access.js';
import { describe, expect, test } from '../../helpers/app.js';

const json = (body: unknown, method = 'POST') => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('audit log', () => {
  test('knows every mutating route the app serves, MLflow\'s and those outside the OpenAPI document too', async ({ hub }) => {
    const mutating = [...new Set(hub.app.routes.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method)).map((r) => routeKey(r.method, r.path)))];
    expect(mutating).toContain('POST /api/2.0/mlflow/registered-models/create');
    expect(mutating.filter((k) => !(k in AUDITED) && !(k in NOT_AUDITED))).toEqual([]);
  });

  test('pages a sparse filter under the row budget: short pages with a token, every match once, newest first', async ({ hub }) => {
    const total = AUDIT_SCAN_BUDGET * 2 + 500;
    const rows = Array.from({ length: total }, (_, i) => ({
      projectId: hub.project.id,
      at: 1_000_000 + i,
      actorType: 'key' as const,
      actorId: 'key_x',
      actorName: 'x',
      action: i % 1000 === 0 ? 'model.create' : 'experiment.create',
      target: `t:${i}`,
      address: '127.0.0.1',
      reason: null,
      details: null,
    }));
    for (let i = 0; i < rows.length; i += 500) await hub.db.insert(auditEvents).values(rows.slice(i, i + 500));

    const pages: number[] = [];
    const found: string[] = [];
    let token: string | undefined;
    do {
      const page = await listAuditEvents(hub.scope, { action: 'model.' }, 50, token);
      pages.push(page.events.length);
      found.push(...page.events.map((e) => e.target));
      token = page.nextPageToken ?? undefined;
    } while (token);
    expect(found).toEqual(['t:4000', 't:3000', 't:2000', 't:1000', 't:0']);
    expect(pages.length).toBe(3); // each page walked at most the budget
    // An exact action walks its own index: one page holds them all.
    expect((await listAuditEvents(hub.scope, { action: 'model.create' }, 50)).events.map((e) => e.target)).toEqual(found);
  });

  test('still records a mutating route missing from both tables, as `unlisted`', async ({ hub }) => {
    hub.app.post('/v1/not-yet-listed/:id', access({ secret: 'write' }), (c) => c.json({ ok: true }, 200));
    expect((await hub.request('/v1/not-yet-listed/x1', { method: 'POST' })).status).toBe(200);
    const { events } = await listAuditEvents(hub.scope, { action: 'unlisted' }, 10);
    expect(events.map((e) => [e.target, e.actor.name])).toEqual([['POST /v1/not-yet-listed/{id}', 'admin']]);
  });

  test('answers 500 saying the change was applied when its event cannot be stored', async ({ hub }) => {
    await hub.db.run(sql`DROP TABLE audit_events`);
    const r = await hub.request('/v1/models', json({ name: 'unaudited' }));
    expect(r.status).toBe(500);
    expect((await r.json()).error.message).toContain('the change was applied');
    expect((await hub.request('/v1/models/unaudited')).status).toBe(200);
  });

  test('names the actors of alias moves: keys by name, the hub itself by what it was doing', async ({ hub }) => {
    const actors = await resolveActors(hub.scope, [hub.scope.principal!.keyId, 'rollout ro_1', null]);
    expect(actors.get(hub.scope.principal!.keyId)).toEqual({ type: 'key', id: hub.scope.principal!.keyId, name: 'admin' });
    expect(actors.get('rollout ro_1')).toEqual({ type: 'hub', id: 'rollout ro_1', name: 'rollout ro_1' });
  });
});
