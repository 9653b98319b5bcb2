import { KEY_RE, newApiKey } from '../../../shared/ids.js';
import { hashKey } from '../../../hub/auth/hash.js';
import { createKey, findKeyByHash, listKeys, revokeKey } from '../../../hub/auth/keys.js';
import { createProject, ensureDefaultProject, getProject, updateProject } from '../../../hub/projects/projects.js';
import { describe, expect, test } from '../../helpers/app.js';

describe('projects', () => {
  test('creates a project with its first admin key, stored only as a hash, and refuses the same name again with 409', async ({ hub }) => {
    const { project, adminKey } = await createProject(hub, 'vision');
    expect(project).toMatchObject({ name: 'vision', devicePublishing: false });
    expect(adminKey.secret).toMatch(KEY_RE);
    expect(adminKey.key).toMatchObject({ projectId: project.id, kind: 'secret', role: 'admin', prefix: `${adminKey.secret.slice(0, 7)}…` });
    const stored = await findKeyByHash(hub.db, await hashKey(adminKey.secret));
    expect(stored?.id).toBe(adminKey.key.id);
    expect(JSON.stringify(stored)).not.toContain(adminKey.secret);
    await expect(createProject(hub, 'vision')).rejects.toMatchObject({ status: 409, message: 'project "vision" already exists' });
  });

  test('lets two concurrent creators of one name end with one project: the other gets the same 409', async ({ hub }) => {
    const outcomes = await Promise.allSettled([createProject(hub, 'race'), createProject(hub, 'race')]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ status: 409 });
  });

  test("reads and updates the caller's own project, and refuses another project with 403", async ({ hub }) => {
    const other = await createProject(hub, 'other');
    expect(await updateProject(hub.scope, { devicePublishing: true })).toMatchObject({ id: hub.project.id, devicePublishing: true });
    expect(await getProject(hub.scope, hub.project.id)).toMatchObject({ devicePublishing: true });
    await expect(getProject(hub.scope, other.project.id)).rejects.toMatchObject({ status: 403 });
  });

  test('makes the default project once, printing a new admin key only the first time, and lets an admin key from the environment in later', async ({ hub }) => {
    const first = await ensureDefaultProject(hub.db);
    expect(first).toMatchObject({ created: true, newAdminKey: expect.stringMatching(KEY_RE) });
    const again = await ensureDefaultProject(hub.db);
    expect(again).toEqual({ project: first.project, created: false, newAdminKey: undefined });
    const given = newApiKey('secret');
    await ensureDefaultProject(hub.db, given);
    expect(await findKeyByHash(hub.db, await hashKey(given))).toMatchObject({ projectId: first.project.id, role: 'admin', revokedAt: null });
  });
});

describe('keys', () => {
  test('creates secret and publishable keys, lists them in order, and revokes one idempotently', async ({ hub }) => {
    const reader = await createKey(hub.scope, { kind: 'secret', name: 'reader', role: 'read' });
    const device = await createKey(hub.scope, { kind: 'publishable', name: 'site', allowedOrigins: ['https://shop.example'] });
    expect(reader.secret.startsWith('sk_')).toBe(true);
    expect(device.secret.startsWith('pk_')).toBe(true);
    expect(device.key).toMatchObject({ role: 'device', allowedOrigins: ['https://shop.example'] });
    expect((await listKeys(hub.scope)).map((k) => k.name)).toEqual(['admin', 'reader', 'site']);
    const revoked = await revokeKey(hub.scope, reader.key.id);
    expect(revoked.revokedAt).toEqual(expect.any(String));
    expect(await revokeKey(hub.scope, reader.key.id)).toEqual(revoked);
    await expect(revokeKey({ db: hub.db, projectId: 'prj_other' }, device.key.id)).rejects.toMatchObject({ status: 403 });
  });

  test('stops answering requests made with a revoked key, with 401 naming when it was revoked', async ({ hub }) => {
    const writer = await createKey(hub.scope, { kind: 'secret', name: 'writer', role: 'write' });
    const as = (key: string) => hub.request('/v1/project', { headers: { authorization: `Bearer ${key}` } });
    expect((await as(writer.secret)).status).toBe(200);
    const { revokedAt } = await revokeKey(hub.scope, writer.key.id);
    const refused = await as(writer.secret);
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.message).toContain(revokedAt!);
  });
});
