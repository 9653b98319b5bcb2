import { eq } from 'drizzle-orm';
import { readConfig } from '../../../hub/config.js';
import type { Db } from '../../../hub/db/client.js';
import { hubSettings, invitations, members, users } from '../../../hub/db/schema.js';
import { resendInvitation, revokeInvitation } from '../../../hub/teams/invitations.js';
import { describe, expect, openInProcessHub, test, type InProcessHub } from '../../helpers/app.js';

const ORIGIN = 'http://localhost';
const json = (body: unknown, headers: Record<string, string> = {}) => ({ method: 'POST', headers: { 'content-type': 'application/json', origin: ORIGIN, ...headers }, body: JSON.stringify(body) });
const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
const inviteIn = async (hub: InProcessHub, email: string) => (await (await hub.request('/v1/team/invitations', json({ email, role: 'read' }))).json()) as { invitation: { id: string }; url: string };
const adminOf = (hub: InProcessHub) => ({ ...hub.scope, principal: hub.scope.principal! });
/** Runs `between` once, after the next batch's caller has read what it read and before that batch commits. */
function beforeNextBatch(db: Db, between: () => Promise<unknown>) {
  const batch = db.batch;
  db.batch = async (queries) => {
    db.batch = batch;
    await between();
    return batch.call(db, queries);
  };
}
const cookieOf = (r: Response) => r.headers.getSetCookie().find((c) => c.startsWith('outpost.session_token='))!.split(';')[0]!;

describe('teams in process', () => {
  test('makes the first owner once: needsOwner turns false, a second attempt is 409, and the owner is signed in', async ({ hub }) => {
    expect(await (await hub.request('/v1/team/setup')).json()).toEqual({ needsOwner: true });
    const made = await hub.request('/v1/team/owner', json({ email: 'Ada@Example.com', name: 'Ada', password: 'correct horse' }));
    expect(made.status).toBe(201);
    expect(await made.json()).toMatchObject({ user: { email: 'ada@example.com', name: 'Ada' }, project: { id: hub.project.id, role: 'owner' } });
    const cookie = cookieOf(made);
    expect((await hub.app.request('/v1/keys', { headers: { cookie } })).status).toBe(200);
    expect(await (await hub.request('/v1/team/setup')).json()).toEqual({ needsOwner: false });
    const again = await hub.request('/v1/team/owner', json({ email: 'bob@example.com', name: 'Bob', password: 'correct horse' }));
    expect(again.status).toBe(409);
    // A double-sent first-owner request: one is made, the twin is 409 and leaves nothing behind.
    const members_ = await hub.db.select().from(members);
    expect(members_).toHaveLength(1);
  });

  test('lets only one of two concurrent first-owner requests through', async ({ hub }) => {
    const [x, y] = await Promise.all([
      hub.request('/v1/team/owner', json({ email: 'x@example.com', name: 'X', password: 'correct horse' })),
      hub.request('/v1/team/owner', json({ email: 'y@example.com', name: 'Y', password: 'correct horse' })),
    ]);
    expect([x.status, y.status].sort()).toEqual([201, 409]);
    expect(await hub.db.select().from(members)).toHaveLength(1);
  });

  test('answers 410 for an expired invitation, and a double-sent accept joins once', async ({ hub }) => {
    const invite = async (email: string) => (await (await hub.request('/v1/team/invitations', json({ email, role: 'read' }))).json()) as { invitation: { id: string }; url: string };
    const token = (url: string) => url.slice(url.lastIndexOf('/') + 1);
    const old = await invite('late@example.com');
    await hub.db.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.id, old.invitation.id));
    const preview = await hub.app.request(`/v1/invitations/${token(old.url)}`);
    expect(preview.status).toBe(410);
    expect(((await preview.json()) as { error: { message: string } }).error.message).toContain('expired');
    expect((await hub.app.request(`/v1/invitations/${token(old.url)}/accept`, json({ name: 'L', password: 'correct horse' }))).status).toBe(410);

    const fresh = await invite('twice@example.com');
    const send = () => hub.app.request(`/v1/invitations/${token(fresh.url)}/accept`, json({ name: 'T', password: 'correct horse' }));
    const replies = await Promise.all([send(), send()]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 410]);
    expect(await hub.db.select().from(members)).toHaveLength(1);
  });

  test('makes no account and no membership when the invitation is revoked between the accept\'s read and its batch: 410 naming the revocation', async ({ hub }) => {
    const { invitation, url } = await inviteIn(hub, 'raced@example.com');
    beforeNextBatch(hub.db, () => revokeInvitation(adminOf(hub), invitation.id));
    const r = await hub.app.request(`/v1/invitations/${tokenOf(url)}/accept`, json({ name: 'R', password: 'correct horse' }));
    expect(r.status).toBe(410);
    expect(((await r.json()) as { error: { message: string } }).error.message).toContain('revoked');
    expect(await hub.db.select().from(members)).toHaveLength(0);
    expect(await hub.db.select().from(users)).toHaveLength(0);
    expect(r.headers.getSetCookie()).toEqual([]);
  });

  test('makes no membership when the invitation is resent between the accept\'s read and its batch: the old link is 404, the new one still joins', async ({ hub }) => {
    const { invitation, url } = await inviteIn(hub, 'resent@example.com');
    let fresh = '';
    beforeNextBatch(hub.db, async () => (fresh = (await resendInvitation(adminOf(hub), invitation.id, 60_000)).token));
    const r = await hub.app.request(`/v1/invitations/${tokenOf(url)}/accept`, json({ name: 'R', password: 'correct horse' }));
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { message: string } }).error.message).toContain('resent');
    expect(await hub.db.select().from(members)).toHaveLength(0);
    expect((await hub.app.request(`/v1/invitations/${fresh}/accept`, json({ name: 'R', password: 'correct horse' }))).status).toBe(200);
    expect(await hub.db.select().from(members)).toHaveLength(1);
  });

  test('keeps an accept that committed first: a revoke after it is 409 and leaves the invitation accepted, not revoked', async ({ hub }) => {
    const { invitation, url } = await inviteIn(hub, 'first@example.com');
    expect((await hub.app.request(`/v1/invitations/${tokenOf(url)}/accept`, json({ name: 'F', password: 'correct horse' }))).status).toBe(200);
    const revoke = await hub.request(`/v1/team/invitations/${invitation.id}`, { method: 'DELETE' });
    expect(revoke.status).toBe(409);
    expect(((await revoke.json()) as { error: { message: string } }).error.message).toContain('already accepted');
    const [row] = await hub.db.select().from(invitations).where(eq(invitations.id, invitation.id));
    expect(row!.revokedAt).toBeNull();
    expect(row!.acceptedAt).not.toBeNull();
    expect(await hub.db.select().from(members)).toHaveLength(1);
  });

  test('takes OUTPOST_INVITATION_TTL for the expiry, and refuses a bad one naming the variable', async () => {
    const hub = await openInProcessHub({ OUTPOST_INVITATION_TTL: '10m' });
    try {
      const r = await hub.request('/v1/team/invitations', json({ email: 'ttl@example.com', role: 'read' }));
      const { invitation } = (await r.json()) as { invitation: { createdAt: string; expiresAt: string } };
      expect(Date.parse(invitation.expiresAt) - Date.parse(invitation.createdAt)).toBe(600_000);
    } finally {
      await hub.close();
    }
    await expect(openInProcessHub({ OUTPOST_INVITATION_TTL: 'soon' })).rejects.toThrow(/OUTPOST_INVITATION_TTL/);
  });

  test('sets Secure cookies (with the __Secure- prefix) on https, and they work there', async ({ hub }) => {
    const r = await hub.app.request('https://hub.example/v1/team/owner', json({ email: 's@example.com', name: 'S', password: 'correct horse' }, { authorization: `Bearer ${hub.adminKey}`, origin: 'https://hub.example' }));
    expect(r.status).toBe(201);
    const set = r.headers.getSetCookie().find((c) => c.startsWith('__Secure-outpost.session_token='))!;
    expect(set).toMatch(/; Secure/i);
    expect(set).toMatch(/HttpOnly/i);
    const cookie = set.split(';')[0]!;
    expect((await hub.app.request('https://hub.example/v1/session', { headers: { cookie } })).status).toBe(200);
  });

  test('behind a trusted proxy, takes X-Forwarded-Proto: https for Secure cookies and the same-origin rule, on http', async ({ hub }) => {
    const proxied = { 'x-forwarded-proto': 'HTTPS, http', origin: 'https://hub.example' };
    const r = await hub.app.request('http://hub.example/v1/team/owner', json({ email: 'p@example.com', name: 'P', password: 'correct horse' }, { authorization: `Bearer ${hub.adminKey}`, ...proxied }));
    expect(r.status).toBe(201);
    const set = r.headers.getSetCookie().find((c) => c.startsWith('__Secure-outpost.session_token='))!;
    expect(set).toMatch(/; Secure/i);
    const cookie = set.split(';')[0]!;
    expect((await hub.app.request('http://hub.example/v1/session', { headers: { cookie, ...proxied } })).status).toBe(200);
    // The origin the proxy names is the hub's: a write from the http origin is cross-site there.
    const fromHttp = await hub.app.request('http://hub.example/v1/session', { method: 'DELETE', headers: { cookie, ...proxied, origin: 'http://hub.example' } });
    expect(fromHttp.status).toBe(403);
    const out = await hub.app.request('http://hub.example/v1/session', { method: 'DELETE', headers: { cookie, ...proxied } });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().join('\n')).toMatch(/__Secure-outpost\.session_token=;/);
  });

  test('ignores X-Forwarded-Proto without OUTPOST_TRUST_PROXY (a client could send any), and refuses a bad value naming the variable', async () => {
    expect(() => readConfig({ OUTPOST_TRUST_PROXY: 'yes' })).toThrow(/OUTPOST_TRUST_PROXY must be 0 or 1/);
    const hub = await openInProcessHub({ OUTPOST_TRUST_PROXY: '0' });
    try {
      const forged = { 'x-forwarded-proto': 'https' };
      const r = await hub.app.request('http://hub.example/v1/team/owner', json({ email: 'u@example.com', name: 'U', password: 'correct horse' }, { authorization: `Bearer ${hub.adminKey}`, ...forged, origin: 'http://hub.example' }));
      expect(r.status).toBe(201);
      expect(r.headers.getSetCookie().join('\n')).not.toMatch(/__Secure-|; Secure/i);
      const cookie = cookieOf(r);
      expect((await hub.app.request('http://hub.example/v1/session', { headers: { cookie, ...forged } })).status).toBe(200);
      const fromHttps = await hub.app.request('http://hub.example/v1/session', { method: 'DELETE', headers: { cookie, ...forged, origin: 'https://hub.example' } });
      expect(fromHttps.status).toBe(403);
    } finally {
      await hub.close();
    }
  });
});

test('keeps invitation tokens out of the request log (OUTPOST_LOG=requests)', async () => {
  const lines: string[] = [];
  const { requestLog } = await import('../../../hub/http/request-log.js');
  const { Hono } = await import('hono');
  const app = new Hono().use('*', requestLog((l) => lines.push(l))).all('*', (c) => c.text('ok'));
  const token = 'A'.repeat(20) + '_-' + 'b'.repeat(21);
  await app.request(`/v1/invitations/${token}/accept`, { method: 'POST' });
  await app.request(`/v1/invitations/${token}`);
  expect(lines.join('\n')).not.toContain(token);
  expect(lines[0]).toBe('<-- POST /v1/invitations/…/accept');
});

test('signs sessions with OUTPOST_AUTH_SECRET when set (nothing stored), and refuses a short one naming the variable', async () => {
  expect(() => readConfig({ OUTPOST_AUTH_SECRET: 'too short' })).toThrow(/OUTPOST_AUTH_SECRET must be at least 32 characters/);
  const hub = await openInProcessHub({ OUTPOST_AUTH_SECRET: 'x'.repeat(16) + crypto.randomUUID() });
  try {
    const made = await hub.request('/v1/team/owner', json({ email: 'k@example.com', name: 'K', password: 'correct horse' }));
    expect(made.status).toBe(201);
    expect((await hub.app.request('/v1/session', { headers: { cookie: cookieOf(made) } })).status).toBe(200);
    expect((await hub.db.select().from(hubSettings)).map((r) => r.name)).toEqual(['first-owner']);
  } finally {
    await hub.close();
  }
});
