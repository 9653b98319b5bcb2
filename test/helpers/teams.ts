import { expect } from 'vitest';
import type { MemberRole } from '../../shared/schemas/teams.js';
import { call, hub, type CallOptions, type Reply, type TestProject } from './client.js';
import { CLIENT_IP_HEADER } from './hub-env.js';

/** The hub's own origin: what a console page sends as `Origin` on its writes. */
export const ORIGIN = hub.url;
export const PASSWORD = 'correct horse battery';

let n = 0;
export const newEmail = (label: string) => `${label}-${Date.now().toString(36)}-${n++}-${crypto.randomUUID().slice(0, 6)}@example.com`;
/** A client address of its own (the test hubs trust this header), so rate limits of one test never touch another's. */
export const newAddress = () => ({ [CLIENT_IP_HEADER]: `10.${n++ % 250}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` });

/** The `name=value` part of the session cookie a reply set. */
export function sessionCookie(reply: Reply): string {
  const set = reply.headers.getSetCookie().find((c) => /outpost\.session_token=/.test(c));
  expect(set, `no session cookie in ${JSON.stringify(reply.headers.getSetCookie())}: ${reply.text}`).toBeDefined();
  return set!.split(';')[0]!;
}

/** A call as a signed-in person, from the console's origin unless `headers` says otherwise. */
export const asPerson = (cookie: string, path: string, options: CallOptions = {}) => call(path, { ...options, headers: { origin: ORIGIN, cookie, ...options.headers } });

export const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

export async function invite(adminKey: string, email: string, role: MemberRole) {
  const r = await call('/v1/team/invitations', { key: adminKey, json: { email, role } });
  expect(r.status, r.text).toBe(201);
  return { id: r.body.invitation.id as string, url: r.body.url as string, token: tokenOf(r.body.url) };
}

export const accept = (token: string, json: { name?: string; password: string }, headers: Record<string, string> = {}) =>
  call(`/v1/invitations/${token}/accept`, { json, headers: { origin: ORIGIN, ...newAddress(), ...headers } });

/** A new person, member of the project with this role, signed in: their cookie, id and email. */
export async function member(project: TestProject, role: MemberRole, label: string = role) {
  const email = newEmail(label);
  const { token } = await invite(project.keys.admin, email, role);
  const r = await accept(token, { name: `${label} person`, password: PASSWORD });
  expect(r.status, r.text).toBe(200);
  return { cookie: sessionCookie(r), userId: r.body.user.id as string, email };
}
