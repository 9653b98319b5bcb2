import { describe, expect } from 'vitest';
import { AUDITED, NOT_AUDITED } from '../../../hub/audit/actions.js';
import { linearModelOnnx } from '../../../hub/registry/onnx/write.js';
import type { AuditEvent } from '../../../shared/schemas/audit.js';
import { call, expectError, hub, sha256Hex, type TestProject } from '../../helpers/client.js';
import { test as it } from '../../helpers/fixtures.js';
import { CLIENT_IP_HEADER } from '../../helpers/hub-env.js';
import { asPerson, member } from '../../helpers/teams.js';

const audit = async (p: TestProject, query = '') => {
  const r = await call<{ events: AuditEvent[]; nextPageToken: string | null }>(`/v1/audit${query ? `?${query}` : ''}`, { key: p.keys.admin });
  expect(r.status, r.text).toBe(200);
  return r.body;
};

/** Every event of a query, following page tokens; fails on a repeated event. */
async function allPages(p: TestProject, query: string) {
  const seen: AuditEvent[] = [];
  let token: string | null = null;
  do {
    const page = await audit(p, `${query}${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`);
    seen.push(...page.events);
    token = page.nextPageToken;
  } while (token);
  expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
  return seen;
}

async function versionOf(p: TestProject, name: string) {
  const bytes = linearModelOnnx({ inputSize: 2, outputSize: 1 }) as Uint8Array<ArrayBuffer>;
  const digest = `sha256:${await sha256Hex(bytes)}`;
  expect((await call(`/v1/blobs/${digest}`, { key: p.keys.write, method: 'PUT', body: bytes })).status).toBeLessThan(300);
  const r = await call(`/v1/models/${name}/versions`, { key: p.keys.write, json: { format: 'onnx', files: [{ path: 'model.onnx', digest, size: bytes.byteLength }] } });
  expect(r.status, r.text).toBe(201);
  return r.body.version.version as number;
}

describe('audit log', () => {
  it('records key creation and revocation with the admin key as actor, the address and the key named in details', async ({ project: p }) => {
    const made = await call('/v1/keys', { key: p.keys.admin, json: { kind: 'secret', name: 'ci-deploy', role: 'write' }, headers: { [CLIENT_IP_HEADER]: '203.0.113.7' } });
    expect(made.status).toBe(201);
    const id = made.body.key.id;
    expect((await call(`/v1/keys/${id}`, { key: p.keys.admin, method: 'DELETE' })).status).toBe(200);
    const { events } = await audit(p, `target=key:${id}`);
    expect(events.map((e) => e.action)).toEqual(['key.revoke', 'key.create']);
    expect(events[1]).toMatchObject({
      actor: { type: 'key', id: p.keyIds.admin, name: 'admin' },
      target: `key:${id}`,
      address: '203.0.113.7',
      reason: null,
      details: { name: 'ci-deploy', kind: 'secret', role: 'write' },
    });
    expect(Date.parse(events[0]!.at)).toBeGreaterThanOrEqual(Date.parse(events[1]!.at));
    expect(JSON.stringify(events)).not.toContain(made.body.secret);
  });

  it('records model and version creation, alias moves with their reasons, a rollback and a deletion, each by the key that made it', async ({ project: p }) => {
    expect((await call('/v1/models', { key: p.keys.write, json: { name: 'digits' } })).status).toBe(201);
    const v1 = await versionOf(p, 'digits');
    const v2 = await versionOf(p, 'digits');
    expect((await call('/v1/models/digits/aliases/production', { key: p.keys.write, method: 'PUT', json: { version: v1, reason: 'first release' } })).status).toBe(200);
    expect((await call('/v1/models/digits/aliases/production', { key: p.keys.admin, method: 'PUT', json: { version: v2, reason: 'better accuracy' } })).status).toBe(200);
    expect((await call('/v1/models/digits/aliases/production/rollback', { key: p.keys.write, json: { reason: 'p95 regressed' } })).status).toBe(200);
    expect((await call('/v1/models/digits/aliases/production?reason=retired', { key: p.keys.write, method: 'DELETE' })).status).toBe(200);
    expect((await call(`/v1/models/digits/versions/${v2}`, { key: p.keys.write, method: 'DELETE' })).status).toBe(200);

    const events = (await audit(p, 'target=model:digits*')).events.reverse();
    expect(events.map((e) => [e.action, e.target, e.actor.name, e.reason])).toEqual([
      ['model.create', 'model:digits', 'writer', null],
      ['model.version.create', 'model:digits/1', 'writer', null],
      ['model.version.create', 'model:digits/2', 'writer', null],
      ['model.alias.set', 'model:digits@production', 'writer', 'first release'],
      ['model.alias.set', 'model:digits@production', 'admin', 'better accuracy'],
      ['model.alias.rollback', 'model:digits@production', 'writer', 'p95 regressed'],
      ['model.alias.delete', 'model:digits@production', 'writer', 'retired'],
      ['model.version.delete', 'model:digits/2', 'writer', null],
    ]);
    expect(events[4]!.details).toEqual({ from: 1, to: 2, moved: true });
    expect(events[5]!.details).toEqual({ from: 2, to: 1, moved: true });
    expect(events[6]!.details).toEqual({ from: 1, to: null, moved: true });
    expect(events[0]!.actor).toEqual({ type: 'key', id: p.keyIds.write, name: 'writer' });

    // The alias history names the actor too.
    const history = (await call('/v1/models/digits/history', { key: p.keys.read })).body.events;
    expect(history[0].actor).toEqual({ type: 'key', id: p.keyIds.write, name: 'writer' });
    expect(history.find((e: { reason: string }) => e.reason === 'better accuracy').actor).toEqual({ type: 'key', id: p.keyIds.admin, name: 'admin' });
  });

  it('records a project update, a webhook subscription and a model made through MLflow\'s API', async ({ project: p }) => {
    expect((await call('/v1/project', { key: p.keys.admin, method: 'PATCH', json: { devicePublishing: true } })).status).toBe(200);
    const hook = await call('/v1/webhooks', { key: p.keys.admin, json: { url: 'https://hooks.example.com/outpost', events: ['alias.moved'] } });
    expect(hook.status).toBe(201);
    expect((await call('/api/2.0/mlflow/registered-models/create', { key: p.keys.write, json: { name: 'from-mlflow' } })).status).toBe(200);

    const { events } = await audit(p, 'limit=3');
    expect(events.map((e) => [e.action, e.target])).toEqual([
      ['model.create', 'model:from-mlflow'],
      ['webhook.create', `webhook:${hook.body.id}`],
      ['project.update', `project:${p.id}`],
    ]);
    expect(events[1]!.details).toEqual({ url: 'https://hooks.example.com/outpost', events: ['alias.moved'] });
    expect(events[2]!.details).toEqual({ devicePublishing: true });
    expect(JSON.stringify(events)).not.toContain(hook.body.secret);
  });

  it('records nothing for a write that fails, nor for reads and data-plane writes', async ({ project: p }) => {
    expect((await call('/v1/models', { key: p.keys.write, json: { name: 'once' } })).status).toBe(201);
    const before = (await audit(p)).events.length;
    expectError(await call('/v1/models', { key: p.keys.write, json: { name: 'once' } }), 409, 'conflict');
    expectError(await call('/v1/models', { key: p.keys.write, json: { name: '' } }), 400, 'validation_failed');
    expectError(await call('/v1/keys', { key: p.keys.write, json: { kind: 'secret', name: 'x', role: 'admin' } }), 403, 'forbidden');
    expectError(await call('/v1/models/once/aliases/production', { key: p.keys.write, method: 'PUT', json: { version: 9 } }), 404, 'not_found');
    // Data-plane: a run in an experiment (the experiment is a change), its params and tags.
    const exp = await call('/v1/experiments', { key: p.keys.write, json: { name: 'audit-dp' } });
    expect(exp.status).toBe(201);
    const run = await call('/v1/runs', { key: p.keys.write, json: { experimentId: exp.body.experiment.id } });
    expect(run.status, run.text).toBe(201);
    expect((await call(`/v1/runs/${run.body.run.id}/log`, { key: p.keys.write, json: { params: { lr: '0.1' }, tags: { a: 'b' } } })).status).toBeLessThan(300);
    expect((await call('/v1/runs/search', { key: p.keys.read, json: { experimentIds: [exp.body.experiment.id] } })).status).toBe(200);
    const after = await audit(p);
    expect(after.events.length).toBe(before + 1);
    expect(after.events[0]).toMatchObject({ action: 'experiment.create', target: `experiment:${exp.body.experiment.id}` });
  });

  it('filters by action (exact and prefix), actor, target and time, and pages without repeats or gaps', async ({ project: p }) => {
    for (let i = 0; i < 7; i++) expect((await call('/v1/experiments', { key: i % 2 ? p.keys.admin : p.keys.write, json: { name: `exp-${i}` } })).status).toBe(201);
    expect((await call('/v1/models', { key: p.keys.write, json: { name: 'filtered' } })).status).toBe(201);

    const every = await allPages(p, 'limit=500');
    const paged = await allPages(p, 'limit=2');
    expect(paged.map((e) => e.id)).toEqual(every.map((e) => e.id));
    expect(every.map((e) => Number(e.id))).toEqual([...every.map((e) => Number(e.id))].sort((a, b) => b - a));

    const exps = await allPages(p, 'action=experiment.create&limit=3');
    expect(exps.map((e) => e.details?.name)).toEqual(['exp-6', 'exp-5', 'exp-4', 'exp-3', 'exp-2', 'exp-1', 'exp-0']);
    expect((await allPages(p, 'action=experiment.')).length).toBe(7);
    expect((await allPages(p, 'action=experiment.*')).length).toBe(7);
    expect((await allPages(p, 'action=model.')).map((e) => e.target)).toEqual(['model:filtered']);
    const byWriter = await allPages(p, `actor=${p.keyIds.write}&action=experiment.create&limit=1`);
    expect(byWriter.map((e) => e.details?.name)).toEqual(['exp-6', 'exp-4', 'exp-2', 'exp-0']);
    expect((await allPages(p, 'target=model:filtered')).map((e) => e.action)).toEqual(['model.create']);

    const middle = exps[3]!;
    const since = await allPages(p, `action=experiment.create&since=${encodeURIComponent(middle.at)}`);
    expect(since.every((e) => e.at >= middle.at)).toBe(true);
    expect(since.map((e) => e.id)).toContain(middle.id);
    const until = await allPages(p, `action=experiment.create&until=${Date.parse(middle.at)}`);
    expect(until.every((e) => e.at <= middle.at)).toBe(true);
    expect(since.length + until.length).toBeGreaterThanOrEqual(8);
    expect((await allPages(p, 'action=experiment.create&until=1')).length).toBe(0);
  });

  it('refuses a bad filter or a page token from another query, naming the field', async ({ project: p }) => {
    for (const [query, field] of [['action=Model.Create', 'action'], ['limit=501', 'limit'], ['limit=0', 'limit'], ['since=yesterday', 'since']] as const) {
      const r = await call(`/v1/audit?${query}`, { key: p.keys.admin });
      expectError(r, 400, 'validation_failed');
      expect(r.body.error.details[0].path).toBe(field);
    }
    for (let i = 0; i < 3; i++) await call('/v1/experiments', { key: p.keys.write, json: { name: `tok-${i}` } });
    const first = await audit(p, 'limit=1');
    expect(first.nextPageToken).toEqual(expect.any(String));
    const other = await call(`/v1/audit?limit=1&action=key.create&pageToken=${first.nextPageToken}`, { key: p.keys.admin });
    expectError(other, 400, 'bad_request');
    expect(other.body.error.message).toContain('pageToken');
    expectError(await call('/v1/audit?pageToken=not-a-token', { key: p.keys.admin }), 400, 'bad_request');
  });

  it('names a person signed in by cookie, in the audit log and in the alias history, also after they leave', async ({ project: p }) => {
    expect((await call('/v1/models', { key: p.keys.write, json: { name: 'people-made' } })).status).toBe(201);
    const v1 = await versionOf(p, 'people-made');
    const ada = await member(p, 'write', 'ada');
    const moved = await asPerson(ada.cookie, '/v1/models/people-made/aliases/staging', { method: 'PUT', json: { version: v1, reason: 'try it' } });
    expect(moved.status, moved.text).toBe(200);
    expect((await call(`/v1/team/members/${ada.userId}`, { key: p.keys.admin, method: 'DELETE' })).status).toBe(204);
    const person = { type: 'user', id: ada.userId, name: 'ada person' };
    const { events } = await audit(p, 'target=model:people-made@staging');
    expect(events[0]).toMatchObject({ action: 'model.alias.set', actor: person, reason: 'try it' });
    const history = (await call('/v1/models/people-made/history', { key: p.keys.read })).body.events;
    expect(history[0].actor).toEqual(person);
    const removal = (await audit(p, 'action=member.remove')).events.find((e) => e.target?.includes(ada.userId));
    expect(removal?.actor).toEqual({ type: 'key', id: p.keyIds.admin, name: 'admin' });
  });

  it('is for admin keys only, and shows only the caller\'s project', async ({ project: p }) => {
    expectError(await call('/v1/audit', { key: p.keys.write }), 403, 'forbidden');
    expectError(await call('/v1/audit', { key: p.keys.read }), 403, 'forbidden');
    expectError(await call('/v1/audit', { key: p.keys.device }), 403, 'forbidden');
    expectError(await call('/v1/audit'), 401, 'unauthorized');
    expect((await call('/v1/models', { key: p.keys.write, json: { name: 'mine-only' } })).status).toBe(201);
    const bootstrap = await call<{ events: AuditEvent[] }>('/v1/audit?target=model:mine-only', { key: hub.adminKey });
    expect(bootstrap.body.events).toEqual([]);
  });

  it('has an action for every mutating route of the OpenAPI document, or lists it as not a change', async () => {
    const doc = (await call('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const mutating = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(mutating.length).toBeGreaterThan(50);
    const unlisted = mutating.filter((route) => !(route in AUDITED) && !(route in NOT_AUDITED));
    expect(unlisted, 'add each to AUDITED or NOT_AUDITED in hub/audit/actions.ts').toEqual([]);
    expect(mutating.filter((route) => route in AUDITED && route in NOT_AUDITED)).toEqual([]);
  });
});
