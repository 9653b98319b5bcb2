import { describe, expect, it } from 'vitest';
import { call, expectError, hub } from '../../helpers/client.js';

describe('projects', () => {
  it('creates a project with its own first admin key', async () => {
    const name = `proj-${crypto.randomUUID().slice(0, 8)}`;
    const r = await call('/v1/projects', { key: hub.adminKey, json: { name } });
    expect(r.status).toBe(201);
    expect(r.body.project).toMatchObject({ name, id: expect.stringMatching(/^prj_/) });
    const own = await call('/v1/project', { key: r.body.adminKey.secret });
    expect(own.body.project.id).toBe(r.body.project.id);
    const keys = await call('/v1/keys', { key: r.body.adminKey.secret });
    expect(keys.body.keys).toHaveLength(1);
    expect(keys.body.keys[0]).toMatchObject({ role: 'admin', projectId: r.body.project.id });
  });

  it('refuses a second project with the same name with 409, leaving the first as it was', async () => {
    const name = `dup-${crypto.randomUUID().slice(0, 8)}`;
    const first = await call('/v1/projects', { key: hub.adminKey, json: { name } });
    const second = await call('/v1/projects', { key: hub.adminKey, json: { name } });
    expectError(second, 409, 'conflict');
    expect(second.body.error.message).toContain(name);
    expect((await call('/v1/project', { key: first.body.adminKey.secret })).body.project.id).toBe(first.body.project.id);
  });

  it('names the rule a bad project name breaks', async () => {
    const r = await call('/v1/projects', { key: hub.adminKey, json: { name: '../etc' } });
    expectError(r, 400, 'validation_failed');
    expect(r.body.error.details).toEqual([{ path: 'name', message: expect.stringContaining('letter or digit') }]);
  });

  it('answers 404 for a project that does not exist', async () => {
    expectError(await call('/v1/projects/prj_nope', { key: hub.adminKey }), 404, 'not_found');
  });
});
