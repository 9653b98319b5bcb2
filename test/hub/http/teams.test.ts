import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectError, newProject, type Reply, type TestProject } from '../../helpers/client.js';
import { accept, asPerson, invite, member, newAddress, newEmail, ORIGIN, PASSWORD, sessionCookie } from '../../helpers/teams.js';

let a: TestProject;
let b: TestProject;
beforeAll(async () => {
  [a, b] = await Promise.all([newProject('teams-a'), newProject('teams-b')]);
});

const signIn = (email: string, password: string, headers: Record<string, string> = {}) =>
  call('/v1/session', { json: { email, password }, headers: { origin: ORIGIN, ...newAddress(), ...headers } });

describe('sessions', () => {
  it('signs in with email and password, and signing out ends the session on the hub at once', async () => {
    const person = await member(a, 'write');
    const signedIn = await signIn(person.email, PASSWORD);
    expect(signedIn.status, signedIn.text).toBe(200);
    expect(signedIn.body).toMatchObject({ user: { id: person.userId, email: person.email }, project: { id: a.id, name: a.name, role: 'write' } });
    const set = signedIn.headers.getSetCookie().find((c) => c.startsWith('outpost.session_token='))!;
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Lax/i);
    expect(set).not.toMatch(/Secure/i); // plain http: Secure only on https
    const cookie = sessionCookie(signedIn);

    const session = await asPerson(cookie, '/v1/session');
    expect(session.status).toBe(200);
    expect(session.body.projects).toEqual([{ id: a.id, name: a.name, role: 'write' }]);
    expect((await asPerson(cookie, '/v1/project')).body.project.id).toBe(a.id);

    const out = await asPerson(cookie, '/v1/session', { method: 'DELETE' });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().join('\n')).toMatch(/outpost\.session_token=;.*Max-Age=0/i);
    // The old cookie, kept by someone, is dead on the hub: not just cleared in the browser.
    expectError(await asPerson(cookie, '/v1/project'), 401, 'unauthorized');
    expectError(await asPerson(cookie, '/v1/session'), 401, 'unauthorized');
    // Signing out twice is a 204 again.
    expect((await asPerson(cookie, '/v1/session', { method: 'DELETE' })).status).toBe(204);
    // The other session of the same person (from accepting) still works.
    expect((await asPerson(person.cookie, '/v1/project')).status).toBe(200);
  });

  it('sets a Secure, __Secure- cookie over plain http when the trusted proxy says https, and takes it back with that header', async () => {
    const person = await member(a, 'read');
    const proxied = { 'x-forwarded-proto': 'https', origin: ORIGIN.replace(/^http:/, 'https:') };
    const signedIn = await signIn(person.email, PASSWORD, proxied);
    expect(signedIn.status, signedIn.text).toBe(200);
    const set = signedIn.headers.getSetCookie().find((c) => c.startsWith('__Secure-outpost.session_token='));
    expect(set, JSON.stringify(signedIn.headers.getSetCookie())).toMatch(/; Secure/i);
    const cookie = sessionCookie(signedIn);
    expect((await asPerson(cookie, '/v1/session', { headers: proxied })).status).toBe(200);
    expect((await asPerson(cookie, '/v1/session', { method: 'DELETE', headers: proxied })).status).toBe(204);
    expectError(await asPerson(cookie, '/v1/session', { headers: proxied }), 401, 'unauthorized');
  });

  it('answers a wrong password and an unknown email with the same 401 message', async () => {
    const person = await member(a, 'read');
    const wrong = await signIn(person.email, 'not the password');
    const unknown = await signIn(newEmail('nobody'), 'not the password');
    expectError(wrong, 401, 'unauthorized');
    expectError(unknown, 401, 'unauthorized');
    expect(wrong.body.error.message).toBe('invalid email or password');
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
    expect(wrong.headers.getSetCookie()).toEqual([]);
  });

  it('limits failed sign-ins per account and per address with 429 and Retry-After', async () => {
    const person = await member(a, 'read');
    // Per account: 20 failures from 20 addresses, then even the right password from a fresh address waits.
    for (let i = 0; i < 20; i++) expectError(await signIn(person.email, `wrong-${i}`), 401, 'unauthorized');
    const locked = await signIn(person.email, PASSWORD);
    expectError(locked, 429, 'rate_limited');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(locked.body.error.message).toContain('this account');

    // Per address: 20 failures on 20 unknown emails from one address, then that address waits, whatever the email.
    const address = newAddress();
    for (let i = 0; i < 20; i++) expectError(await signIn(newEmail('guess'), 'wrong', address), 401, 'unauthorized');
    const other = await member(a, 'read', 'other');
    const blocked = await signIn(other.email, PASSWORD, address);
    expectError(blocked, 429, 'rate_limited');
    expect(blocked.body.error.message).toContain('this address');
    expect((await signIn(other.email, PASSWORD)).status).toBe(200);
  }, 180_000); // 40 sign-ins, each a deliberately slow scrypt hash

  it('refuses a cookie-authenticated write from another origin with 403, and takes it from the hub\'s own', async () => {
    const admin = await member(a, 'admin');
    const key = { kind: 'secret', name: 'from-cookie', role: 'read' };
    expectError(await asPerson(admin.cookie, '/v1/keys', { json: key, headers: { origin: 'https://evil.example' } }), 403, 'cross_site_request');
    expectError(await asPerson(admin.cookie, '/v1/keys', { json: key, headers: { origin: '' } }), 403, 'cross_site_request');
    const noOrigin = await call('/v1/keys', { json: key, headers: { cookie: admin.cookie } });
    expectError(noOrigin, 403, 'cross_site_request');
    expect((await call('/v1/keys', { json: key, headers: { cookie: admin.cookie, 'sec-fetch-site': 'same-origin' } })).status).toBe(201);
    expect((await asPerson(admin.cookie, '/v1/keys', { json: key })).status).toBe(201);
    // Reading is not a write: any origin may (CORS keeps the reply from other pages).
    expect((await asPerson(admin.cookie, '/v1/keys', { headers: { origin: 'https://evil.example' } })).status).toBe(200);
    // Signing in and accepting from another origin are refused too (login CSRF); bearer keys are not affected.
    expectError(await signIn(admin.email, PASSWORD, { origin: 'https://evil.example' }), 403, 'cross_site_request');
    expect((await call('/v1/keys', { key: a.keys.admin, json: key, headers: { origin: 'https://evil.example' } })).status).toBe(201);
  });

  it('lets a bearer key win over a cookie, and answers 401 as before with neither', async () => {
    const reader = await member(a, 'read');
    expect((await asPerson(reader.cookie, '/v1/project', { key: b.keys.read })).body.project.id).toBe(b.id);
    const none = await call('/v1/project');
    expectError(none, 401, 'unauthorized');
    expect(none.body.error.message).toContain('Authorization: Bearer');
    expectError(await call('/v1/session'), 401, 'unauthorized');
    expectError(await asPerson('outpost.session_token=forged.value', '/v1/project'), 401, 'unauthorized');
  });

  it('switches the active project among the person\'s own projects only', async () => {
    const person = await member(a, 'read');
    const second = await invite(b.keys.admin, person.email, 'write');
    // An email with an account joins with that account's password; a wrong one is the same 401 as signing in.
    expectError(await accept(second.token, { password: 'wrong password' }), 401, 'unauthorized');
    const joined = await accept(second.token, { password: PASSWORD, name: 'ignored' });
    expect(joined.status, joined.text).toBe(200);
    expect(joined.body.project).toEqual({ id: b.id, name: b.name, role: 'write' });
    expect(joined.body.user.name).toBe('read person');

    const cookie = person.cookie;
    expect((await asPerson(cookie, '/v1/project')).body.project.id).toBe(a.id);
    const switched = await asPerson(cookie, '/v1/session/project', { method: 'PUT', json: { projectId: b.id } });
    expect(switched.status, switched.text).toBe(200);
    expect(switched.body.project).toEqual({ id: b.id, name: b.name, role: 'write' });
    expect(switched.body.projects.map((p: { id: string }) => p.id).sort()).toEqual([a.id, b.id].sort());
    expect((await asPerson(cookie, '/v1/project')).body.project.id).toBe(b.id);
    const other = await newProject('teams-c');
    expectError(await asPerson(cookie, '/v1/session/project', { method: 'PUT', json: { projectId: other.id } }), 403, 'forbidden');
    expectError(await asPerson(cookie, '/v1/session/project', { method: 'PUT', json: { projectId: a.id }, headers: { origin: 'https://evil.example' } }), 403, 'cross_site_request');
  });
});

describe('invitations', () => {
  it('invites, shows the invitation, accepts it signed in, and a second accept is 410', async () => {
    const email = newEmail('new');
    const inv = await invite(a.keys.admin, email, 'write');
    expect(inv.url).toBe(`${ORIGIN}/invite/${inv.token}`);
    const preview = await call(`/v1/invitations/${inv.token}`);
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ email, project: { id: a.id, name: a.name }, role: 'write', accountExists: false });

    const team = await call('/v1/team', { key: a.keys.admin });
    expect(team.body.invitations).toContainEqual(expect.objectContaining({ id: inv.id, email, role: 'write', invitedBy: { type: 'key', id: a.keyIds.admin, name: 'admin' } }));
    expect(team.text).not.toContain(inv.token);

    expectError(await accept(inv.token, { name: 'New', password: 'short' }), 400, 'bad_request');
    expectError(await accept(inv.token, { password: PASSWORD }), 400, 'bad_request');
    const joined = await accept(inv.token, { name: 'New Person', password: PASSWORD });
    expect(joined.status, joined.text).toBe(200);
    expect(joined.body).toMatchObject({ user: { email, name: 'New Person' }, project: { id: a.id, role: 'write' } });
    expect((await asPerson(sessionCookie(joined), '/v1/project')).body.project.id).toBe(a.id);

    const again = await accept(inv.token, { name: 'New Person', password: PASSWORD });
    expectError(again, 410, 'gone');
    expect(again.body.error.message).toContain('already used');
    expectError(await call(`/v1/invitations/${inv.token}`), 410, 'gone');
    const after = await call('/v1/team', { key: a.keys.admin });
    expect(after.body.invitations.map((i: { id: string }) => i.id)).not.toContain(inv.id);
    expect(after.body.members).toContainEqual(expect.objectContaining({ email, name: 'New Person', role: 'write' }));
  });

  it('answers 410 for a revoked invitation and 404 for a link that was never made or was resent', async () => {
    const email = newEmail('revoked');
    const first = await invite(a.keys.admin, email, 'read');
    const resent = await call(`/v1/team/invitations/${first.id}/resend`, { key: a.keys.admin, method: 'POST' });
    expect(resent.status, resent.text).toBe(200);
    expect(resent.body.invitation.id).toBe(first.id);
    expect(resent.body.url).not.toBe(first.url);
    expectError(await call(`/v1/invitations/${first.token}`), 404, 'not_found');
    const token = resent.body.url.slice(resent.body.url.lastIndexOf('/') + 1);
    expect((await call(`/v1/invitations/${token}`)).status).toBe(200);

    expect((await call(`/v1/team/invitations/${first.id}`, { key: a.keys.admin, method: 'DELETE' })).status).toBe(204);
    expect((await call(`/v1/team/invitations/${first.id}`, { key: a.keys.admin, method: 'DELETE' })).status).toBe(204);
    const revoked = await accept(token, { name: 'R', password: PASSWORD });
    expectError(revoked, 410, 'gone');
    expect(revoked.body.error.message).toContain('revoked');
    expectError(await call(`/v1/team/invitations/${first.id}/resend`, { key: a.keys.admin, method: 'POST' }), 409, 'conflict');
    expectError(await call('/v1/team/invitations/inv_nope', { key: a.keys.admin, method: 'DELETE' }), 404, 'not_found');
    expectError(await call(`/v1/team/invitations/${first.id}`, { key: b.keys.admin, method: 'DELETE' }), 404, 'not_found');
  });

  // Each accept hashes a password (scrypt, tens of ms) between reading the invitation and writing the membership. The
  // revoke or resend goes out at once or after 3, 15, 63 round trips to the hub, so runs land before the read, in that
  // window and (on a quick machine) after the batch. Whichever order, the two answers and the team agree.
  const later = async <T>(trips: number, send: () => Promise<T>) => {
    for (let t = 0; t < trips; t++) await call('/v1/team/setup', { key: a.keys.read });
    return send();
  };
  it('settles an accept racing a revoke one way: joined and the revoke 409, or refused 410 "revoked" with no member', async () => {
    for (let i = 0; i < 4; i++) {
      const email = newEmail('race-revoke');
      const inv = await invite(a.keys.admin, email, 'read');
      const [accepted, revoked] = await Promise.all([accept(inv.token, { name: 'R', password: PASSWORD }), later(4 ** i - 1, () => call(`/v1/team/invitations/${inv.id}`, { key: a.keys.admin, method: 'DELETE' }))]);
      const joined = (await call('/v1/team', { key: a.keys.admin })).body.members.some((m: { email: string }) => m.email === email);
      if (accepted.status === 200) {
        expectError(revoked, 409, 'conflict');
        expect(revoked.body.error.message).toContain('already accepted');
        expect(joined).toBe(true);
      } else {
        expectError(accepted, 410, 'gone');
        expect(accepted.body.error.message).toContain('revoked');
        expect(revoked.status, revoked.text).toBe(204);
        expect(joined).toBe(false);
      }
    }
  });

  it('settles an accept of the old link racing a resend one way: joined and the resend 409, or the old link 404 with no member', async () => {
    for (let i = 0; i < 4; i++) {
      const email = newEmail('race-resend');
      const inv = await invite(a.keys.admin, email, 'read');
      const [accepted, resent] = await Promise.all([accept(inv.token, { name: 'R', password: PASSWORD }), later(4 ** i - 1, () => call(`/v1/team/invitations/${inv.id}/resend`, { key: a.keys.admin, method: 'POST' }))]);
      const joined = (await call('/v1/team', { key: a.keys.admin })).body.members.some((m: { email: string }) => m.email === email);
      if (accepted.status === 200) {
        expectError(resent, 409, 'conflict');
        expect(joined).toBe(true);
      } else {
        expectError(accepted, 404, 'not_found');
        expect(resent.status, resent.text).toBe(200);
        expect(joined).toBe(false);
      }
    }
  });

  it('replaces a pending invitation of the same email, and refuses to invite a current member', async () => {
    const email = newEmail('twice');
    const old = await invite(a.keys.admin, email, 'read');
    const fresh = await invite(a.keys.admin, email, 'write');
    expectError(await call(`/v1/invitations/${old.token}`), 410, 'gone');
    const pending = (await call('/v1/team', { key: a.keys.admin })).body.invitations.filter((i: { email: string }) => i.email === email);
    expect(pending.map((i: { id: string }) => i.id)).toEqual([fresh.id]);
    expect((await accept(fresh.token, { name: 'T', password: PASSWORD })).status).toBe(200);
    expectError(await call('/v1/team/invitations', { key: a.keys.admin, json: { email, role: 'admin' } }), 409, 'conflict');
    expectError(await call('/v1/team/invitations', { key: a.keys.admin, json: { email: 'not-an-email', role: 'read' } }), 400, 'validation_failed');
    expectError(await call('/v1/team/invitations', { key: a.keys.admin, json: { email: newEmail('x'), role: 'boss' } }), 400, 'validation_failed');
  });
});

describe('members', () => {
  it('refuses a removed member\'s old session at once', async () => {
    const person = await member(a, 'write');
    expect((await asPerson(person.cookie, '/v1/project')).status).toBe(200);
    expect((await call(`/v1/team/members/${person.userId}`, { key: a.keys.admin, method: 'DELETE' })).status).toBe(204);
    expectError(await asPerson(person.cookie, '/v1/project'), 401, 'unauthorized');
    expectError(await asPerson(person.cookie, '/v1/session'), 401, 'unauthorized');
    expectError(await call(`/v1/team/members/${person.userId}`, { key: a.keys.admin, method: 'DELETE' }), 404, 'not_found');
  });

  it('applies a role change at the next request', async () => {
    const person = await member(a, 'read');
    const key = { kind: 'secret', name: 'by-promoted', role: 'read' };
    const refused = await asPerson(person.cookie, '/v1/keys', { json: key });
    expectError(refused, 403, 'forbidden');
    expect(refused.body.error.message).toContain('admin');
    const changed = await call(`/v1/team/members/${person.userId}`, { key: a.keys.admin, method: 'PATCH', json: { role: 'admin' } });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.member).toMatchObject({ userId: person.userId, role: 'admin' });
    expect((await asPerson(person.cookie, '/v1/keys', { json: key })).status).toBe(201);
    await call(`/v1/team/members/${person.userId}`, { key: a.keys.admin, method: 'PATCH', json: { role: 'read' } });
    expectError(await asPerson(person.cookie, '/v1/keys', { json: key }), 403, 'forbidden');
  });

  it('keeps the last owner, and lets only owners manage owners', async () => {
    const p = await newProject('teams-owners');
    const owner = await member(p, 'owner');
    const admin = await member(p, 'admin');
    expectError(await call(`/v1/team/members/${owner.userId}`, { key: p.keys.admin, method: 'DELETE' }), 409, 'conflict');
    const demote = await call(`/v1/team/members/${owner.userId}`, { key: p.keys.admin, method: 'PATCH', json: { role: 'admin' } });
    expectError(demote, 409, 'conflict');
    expect(demote.body.error.message).toContain('last owner');
    expectError(await asPerson(owner.cookie, `/v1/team/members/${owner.userId}`, { method: 'DELETE' }), 409, 'conflict');

    // An admin person may not touch owners, nor make one.
    expectError(await asPerson(admin.cookie, `/v1/team/members/${owner.userId}`, { method: 'PATCH', json: { role: 'read' } }), 403, 'forbidden');
    expectError(await asPerson(admin.cookie, `/v1/team/members/${admin.userId}`, { method: 'PATCH', json: { role: 'owner' } }), 403, 'forbidden');
    expectError(await asPerson(admin.cookie, '/v1/team/invitations', { json: { email: newEmail('o'), role: 'owner' } }), 403, 'forbidden');
    expect((await asPerson(admin.cookie, '/v1/team/invitations', { json: { email: newEmail('w'), role: 'write' } })).status).toBe(201);

    // An owner may: with two owners, one can step down.
    const promoted = await asPerson(owner.cookie, `/v1/team/members/${admin.userId}`, { method: 'PATCH', json: { role: 'owner' } });
    expect(promoted.status, promoted.text).toBe(200);
    expect((await asPerson(owner.cookie, `/v1/team/members/${owner.userId}`, { method: 'PATCH', json: { role: 'write' } })).status).toBe(200);
    expectError(await asPerson(admin.cookie, `/v1/team/members/${admin.userId}`, { method: 'DELETE' }), 409, 'conflict');
    const team = await call('/v1/team', { key: p.keys.admin });
    expect(team.body.members.map((m: { userId: string; role: string }) => [m.userId, m.role]).sort()).toEqual([[admin.userId, 'owner'], [owner.userId, 'write']].sort());
  });

  it('makes the first owner only while no account exists (409 after), and with an admin key only', async () => {
    await member(a, 'read'); // at least one account exists now
    expect((await call('/v1/team/setup', { key: a.keys.read })).body).toEqual({ needsOwner: false });
    const r = await call('/v1/team/owner', { key: a.keys.admin, json: { email: newEmail('first'), name: 'First', password: PASSWORD } });
    expectError(r, 409, 'conflict');
    const owner = await member(a, 'owner', 'owner-session');
    expectError(await asPerson(owner.cookie, '/v1/team/owner', { json: { email: newEmail('first'), name: 'First', password: PASSWORD } }), 403, 'forbidden');
    expectError(await call('/v1/team/owner', { key: a.keys.write, json: { email: newEmail('first'), name: 'First', password: PASSWORD } }), 403, 'forbidden');
  });
});

// Every mutating /v1 route of the OpenAPI document, except those a session does not reach through access(): its own
// session and invitation routes and the first-owner route, tested above, and routes that take no credential.
const own = (path: string) => path.startsWith('/v1/session') || path.startsWith('/v1/invitations/') || path === '/v1/team/owner';
const doc = (await call('/openapi.json')).body as { paths: Record<string, Record<string, { security?: unknown[] }>> };
const mutating = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.entries(ops)
    .filter(([method, op]) => ['post', 'put', 'patch', 'delete'].includes(method) && path.startsWith('/v1/') && !own(path) && !(Array.isArray(op.security) && op.security.length === 0))
    .map(([method]) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'matrix-nope') })),
);

describe('session role matrix', () => {
  const roles = ['owner', 'admin', 'write', 'read'] as const;
  let p: TestProject;
  let people: Record<(typeof roles)[number], { cookie: string }>;
  beforeAll(async () => {
    p = await newProject('teams-matrix');
    const [owner, admin, write, read] = await Promise.all(roles.map((role) => member(p, role)));
    people = { owner: owner!, admin: admin!, write: write!, read: read! };
  }, 60_000);

  it('covers the hub\'s mutating routes', () => expect(mutating.length).toBeGreaterThan(40));

  // A session of each role gets the same yes or no as a key of that role (an owner as an admin key); junk ids and an
  // empty body, so an allowed call fails on validation or lookup and changes nothing.
  for (const r of mutating) {
    it(`${r.method} ${r.path}: a session is refused exactly where a key of its role is`, async () => {
      const outcomes = await Promise.all(
        roles.map(async (role) => {
          const send = { method: r.method, json: {} };
          const byKey = await call(r.path, { ...send, key: p.keys[role === 'owner' ? 'admin' : role] });
          const bySession = await asPerson(people[role].cookie, r.path, send);
          const refused = (x: Reply) => x.status === 403 && x.body?.error?.code === 'forbidden';
          return { role, key: refused(byKey) ? 'refused' : 'allowed', session: refused(bySession) ? 'refused' : bySession.status === 401 ? 'signed out' : 'allowed', text: bySession.text.slice(0, 200) };
        }),
      );
      for (const o of outcomes) expect({ role: o.role, session: o.session }, o.text).toEqual({ role: o.role, session: o.key });
      // Writes are refused to a read key; the matrix can fail both ways.
      expect(outcomes.find((o) => o.role === 'owner')!.key).toBe('allowed');
    });
  }
});
