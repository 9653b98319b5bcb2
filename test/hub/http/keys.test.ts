import { beforeAll, describe, expect, it } from 'vitest';
import { KEY_RE } from '../../../shared/ids.js';
import { call, expectError, hub, newProject, sha256Hex, type TestProject } from '../../helpers/client.js';

let a: TestProject;
let b: TestProject;
beforeAll(async () => {
  [a, b] = await Promise.all([newProject('keys-a'), newProject('keys-b')]);
});

describe('keys', () => {
  it('creates secret keys with a role and publishable keys, each shown once', async () => {
    const sk = await call('/v1/keys', { key: a.keys.admin, json: { kind: 'secret', name: 'ci', role: 'write' } });
    expect(sk.status).toBe(201);
    expect(sk.body.secret).toMatch(KEY_RE);
    expect(sk.body.secret.startsWith('sk_')).toBe(true);
    expect(sk.body.key).toMatchObject({ name: 'ci', kind: 'secret', role: 'write', revokedAt: null, projectId: a.id });
    expect(sk.body.key.prefix).toBe(`${sk.body.secret.slice(0, 7)}…`);

    const pk = await call('/v1/keys', { key: a.keys.admin, json: { kind: 'publishable', name: 'site', allowedOrigins: ['https://shop.example'] } });
    expect(pk.status).toBe(201);
    expect(pk.body.secret.startsWith('pk_')).toBe(true);
    expect(pk.body.key).toMatchObject({ kind: 'publishable', role: 'device', allowedOrigins: ['https://shop.example'] });

    const list = await call('/v1/keys', { key: a.keys.admin });
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(sk.body.secret);
    expect(list.text).not.toContain(pk.body.secret);
    expect(list.body.keys.map((k: { id: string }) => k.id)).toEqual(expect.arrayContaining([sk.body.key.id, pk.body.key.id]));
  });

  it('lists only the calling project\'s keys', async () => {
    const list = await call('/v1/keys', { key: b.keys.admin });
    expect(list.body.keys.every((k: { projectId: string }) => k.projectId === b.id)).toBe(true);
    expect(list.body.keys).toHaveLength(4);
  });

  it('refuses a publishable key with a path in its allowed origins', async () => {
    const r = await call('/v1/keys', { key: a.keys.admin, json: { kind: 'publishable', name: 'x', allowedOrigins: ['https://a.example/path'] } });
    expectError(r, 400, 'validation_failed');
    expect(r.body.error.details[0].path).toBe('allowedOrigins.0');
  });

  it('stops a revoked key at once, and revoking twice changes nothing', async () => {
    const made = await call('/v1/keys', { key: a.keys.admin, json: { kind: 'secret', name: 'short-lived', role: 'admin' } });
    const secret = made.body.secret;
    expect((await call('/v1/keys', { key: secret })).status).toBe(200);
    const revoked = await call(`/v1/keys/${made.body.key.id}`, { key: a.keys.admin, method: 'DELETE' });
    expect(revoked.status).toBe(200);
    expect(revoked.body.key.revokedAt).toEqual(expect.any(String));
    const after = await call('/v1/keys', { key: secret });
    expectError(after, 401, 'unauthorized');
    expect(after.body.error.message).toContain('revoked');
    const again = await call(`/v1/keys/${made.body.key.id}`, { key: a.keys.admin, method: 'DELETE' });
    expect(again.status).toBe(200);
    expect(again.body.key.revokedAt).toBe(revoked.body.key.revokedAt);
  });

  it('answers 404 for revoking a key that does not exist', async () => {
    expectError(await call('/v1/keys/key_nope', { key: a.keys.admin, method: 'DELETE' }), 404, 'not_found');
  });
});

describe('401 and 403', () => {
  it('answers 401 for a missing, malformed, unknown or non-bearer key', async () => {
    const unknown = `sk_${'A'.repeat(43)}`;
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer' }, { authorization: 'Basic abc' }, { authorization: 'Bearer sk_short' }, { authorization: `Bearer ${unknown}` }]) {
      const r = await call('/v1/keys', { headers });
      expectError(r, 401, 'unauthorized');
    }
    const missing = await call('/v1/project');
    expect(missing.body.error.message).toContain('Authorization: Bearer');
  });

  type Kind = 'admin' | 'write' | 'read' | 'device';
  const kinds: Kind[] = ['admin', 'write', 'read', 'device'];
  const allowed = (...k: Kind[]) => Object.fromEntries(kinds.map((kind) => [kind, k.includes(kind)])) as Record<Kind, boolean>;

  // What each kind of key may do to project `a`, and the status an allowed call answers; `cross` is the same call made by project b's key of that kind.
  const cases = [
    { name: 'list keys', allowed: allowed('admin'), ok: 200, run: (key: string) => call('/v1/keys', { key }) },
    { name: 'create a key', allowed: allowed('admin'), ok: 201, run: (key: string) => call('/v1/keys', { key, json: { kind: 'secret', name: 'm', role: 'read' } }) },
    { name: 'create a project', allowed: allowed('admin'), ok: 201, run: (key: string) => call('/v1/projects', { key, json: { name: `m-${crypto.randomUUID().slice(0, 8)}` } }) },
    { name: 'read the project by id', allowed: allowed('admin', 'write', 'read'), ok: 200, cross: true, run: (key: string) => call(`/v1/projects/${a.id}`, { key }) },
    {
      name: 'revoke a key by id',
      allowed: allowed('admin'),
      ok: 200,
      cross: true,
      run: async (key: string) => {
        const victim = await call('/v1/keys', { key: a.keys.admin, json: { kind: 'secret', name: 'victim', role: 'read' } });
        return call(`/v1/keys/${victim.body.key.id}`, { key, method: 'DELETE' });
      },
    },
    {
      name: 'upload a blob',
      allowed: allowed('admin', 'write'),
      ok: 201,
      run: async (key: string) => {
        // New bytes on every call, so an allowed upload is always a creation.
        const bytes = new TextEncoder().encode(crypto.randomUUID()) as Uint8Array<ArrayBuffer>;
        return call(`/v1/blobs/sha256:${await sha256Hex(bytes)}`, { key, method: 'PUT', body: bytes });
      },
    },
    { name: 'read its project', allowed: allowed('admin', 'write', 'read', 'device'), ok: 200, run: (key: string) => call('/v1/project', { key }) },
  ];

  for (const c of cases) {
    it(`lets only ${kinds.filter((k) => c.allowed[k]).join(', ')} keys ${c.name}`, async () => {
      for (const kind of kinds) {
        const own = await c.run(a.keys[kind]);
        if (c.allowed[kind]) expect(own.status, `${kind} key in its own project: ${own.text}`).toBe(c.ok);
        else expectError(own, 403, 'forbidden');
        if (c.cross) expectError(await c.run(b.keys[kind]), 403, 'forbidden');
      }
    });
  }

  it('refuses to revoke a key of another project with 403, and the key keeps working', async () => {
    expectError(await call(`/v1/keys/${b.keyIds.read}`, { key: a.keys.admin, method: 'DELETE' }), 403, 'forbidden');
    expect((await call(`/v1/projects/${b.id}`, { key: b.keys.read })).status).toBe(200);
  });

  it('says which role a route needs', async () => {
    const r = await call('/v1/keys', { key: a.keys.read });
    expect(r.body.error.message).toContain('admin');
  });

  it(`has a bootstrap admin key on ${hub.runtime}`, async () => {
    const r = await call('/v1/project', { key: hub.adminKey });
    expect(r.status).toBe(200);
    expect(r.body.project.name).toBe('default');
  });
});
