import type { Context } from 'hono';
import { eq } from 'drizzle-orm';
import { isAPIError } from 'better-auth/api';
import { OutpostError } from '../../shared/errors.js';
import type { SessionReply } from '../../shared/schemas/teams.js';
import { rateLimited } from '../auth/access.js';
import type { Db } from '../db/client.js';
import { clientAddress } from '../http/client-address.js';
import type { HubEnv } from '../http/env.js';
import { authOf, forwardCookies, type SignedIn } from './http.js';
import { projectsOf } from './members.js';
import { sessions } from './schema.js';

/** The one answer to a wrong email or password: it does not say whether the email has an account. */
export const INVALID_CREDENTIALS = 'invalid email or password';
export const invalidCredentials = () => new OutpostError(401, 'unauthorized', INVALID_CREDENTIALS);

/**
 * Failed passwords are limited per address (the bucket failed keys count in too) and per account, by
 * OUTPOST_AUTH_FAILURE_LIMIT: `check` before trying, `fail` after a wrong one.
 */
export function passwordLimits(c: Context<HubEnv>, email: string) {
  const { config, rateLimiter } = c.get('deps');
  const rule = config.authFailureLimit;
  const buckets = [`auth:${clientAddress(c)}`, `account:${email.toLowerCase()}`];
  return {
    async check() {
      if (!rule) return;
      for (const bucket of buckets) {
        const room = await rateLimiter.check(bucket, rule);
        if (!room.ok) throw rateLimited(c, room.retryAfterS, `too many failed sign-ins ${bucket.startsWith('auth:') ? 'from this address' : 'for this account'} (at most ${rule.limit} in ${rule.windowMs / 1000} s)`);
      }
    },
    async fail(): Promise<never> {
      if (rule) for (const bucket of buckets) await rateLimiter.hit(bucket, rule);
      throw invalidCredentials();
    },
  };
}

/** The reply every session route gives: the person, the project they act in, and all their projects. */
export async function sessionReply(db: Db, user: { id: string; email: string; name: string }, activeProjectId: string): Promise<SessionReply | null> {
  const projects = await projectsOf(db, user.id);
  const project = projects.find((p) => p.id === activeProjectId);
  if (!project) return null;
  return { user: { id: user.id, email: user.email, name: user.name }, project, projects };
}

export const setActiveProject = (db: Db, sessionId: string, projectId: string) => db.update(sessions).set({ activeProjectId: projectId }).where(eq(sessions.id, sessionId));

/**
 * Signs a person in with better-auth (its scrypt check, its session row, its signed cookie forwarded onto our reply)
 * and sets the session's active project: `projectId`, or their oldest membership. A person with no project left is
 * refused (403) and the new session deleted. Wrong credentials: 401 with the one message, counted by `limits`.
 */
export async function signIn(c: Context<HubEnv>, email: string, password: string, limits: ReturnType<typeof passwordLimits> | null, projectId?: string): Promise<SessionReply> {
  const auth = await authOf(c);
  const { db } = c.get('deps');
  let result;
  try {
    result = await auth.api.signInEmail({ body: { email, password, rememberMe: true }, headers: c.req.raw.headers, returnHeaders: true });
  } catch (err) {
    if (isAPIError(err) && (err.statusCode === 401 || err.statusCode === 400)) {
      if (limits) await limits.fail();
      throw invalidCredentials();
    }
    throw err;
  }
  const ctx = await auth.$context;
  const signedIn = await ctx.internalAdapter.findSession(result.response.token);
  if (!signedIn) throw new OutpostError(500, 'internal', 'the new session was not found');
  const projects = await projectsOf(db, signedIn.user.id);
  const active = projectId ?? projects[0]?.id;
  if (!active) {
    await ctx.internalAdapter.deleteSession(result.response.token);
    throw new OutpostError(403, 'forbidden', 'your account is not a member of any project any more: ask a project admin to invite you again');
  }
  await setActiveProject(db, signedIn.session.id, active);
  forwardCookies(c, result.headers);
  return (await sessionReply(db, signedIn.user, active))!;
}

/** The reply for a live session, moving it to the oldest remaining membership when its project was left; null when none is left. */
export async function replyForSession(db: Db, signedIn: SignedIn): Promise<SessionReply | null> {
  const active = (signedIn.session as { activeProjectId?: string | null }).activeProjectId;
  const reply = active ? await sessionReply(db, signedIn.user, active) : null;
  if (reply) return reply;
  const [first] = await projectsOf(db, signedIn.user.id);
  if (!first) return null;
  await setActiveProject(db, signedIn.session.id, first.id);
  return sessionReply(db, signedIn.user, first.id);
}
