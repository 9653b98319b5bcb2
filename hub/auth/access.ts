import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { OutpostError } from '../../shared/errors.js';
import { keyKindOf } from '../../shared/ids.js';
import type { Principal } from '../core/scope.js';
import type { ApiKeyRow } from '../db/schema.js';
import { clientAddress } from '../http/client-address.js';
import type { HubEnv } from '../http/env.js';
import { membershipOf } from '../teams/members.js';
import { assertSameOrigin, currentSession, hasSessionCookie } from '../teams/http.js';
import { constantTimeEqual, hashKey } from './hash.js';
import { findKeyByHash, touchKey } from './keys.js';

type SecretNeed = 'read' | 'write' | 'admin';
const RANK: Record<SecretNeed, number> = { read: 1, write: 2, admin: 3 };

export interface AccessRule {
  /** Least role a secret key needs. */
  secret: SecretNeed;
  /** Whether publishable (device) keys may call this route at all; the handler narrows further. */
  device?: boolean;
}

const unauthorized = (message: string) => new OutpostError(401, 'unauthorized', message);

function bearerOf(header: string): string {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m?.[1]) throw unauthorized('malformed Authorization header: expected "Bearer <key>"');
  return m[1];
}

/**
 * A publishable key that names origins works only from them; a request without Origin (a server, a script) is not a
 * page, and an empty list allows any page. Secret keys are never limited by origin.
 */
function checkOrigin(origin: string | undefined, allowed: string[]): void {
  if (origin === undefined || allowed.length === 0) return;
  if (allowed.some((o) => o.toLowerCase() === origin.toLowerCase())) return;
  throw new OutpostError(403, 'origin_not_allowed', `origin ${origin} is not allowed for this key (allowed: ${allowed.join(', ')})`);
}

/** 429 with Retry-After (set on the context, so whichever error handler answers sends it). */
export function rateLimited(c: Context<HubEnv>, retryAfterS: number, message: string): OutpostError {
  c.header('Retry-After', String(retryAfterS));
  return new OutpostError(429, 'rate_limited', `${message}; retry in ${retryAfterS} s`, { retryAfter: retryAfterS });
}

/** The key's row when the bearer key is a live key; 401 otherwise. */
async function authenticate(c: Context<HubEnv>, header: string): Promise<ApiKeyRow> {
  const key = bearerOf(header);
  if (!keyKindOf(key)) throw unauthorized('invalid API key: expected sk_… or pk_… followed by 43 characters');
  const hash = await hashKey(key);
  const row = await findKeyByHash(c.get('deps').db, hash, c.get('reads'));
  if (!row || !constantTimeEqual(row.hash, hash)) throw unauthorized('invalid API key: no such key');
  if (row.revokedAt) throw unauthorized(`API key ${row.prefix} was revoked at ${row.revokedAt.toISOString()}`);
  return row;
}

/**
 * A person signed in by cookie, resolved on every request: the session row (better-auth), then their membership of
 * the session's active project, so a removal or a role change holds from the next request. Writes must come from
 * the hub's own origin. An owner acts with role admin; `memberRole` keeps the difference for team management.
 */
async function sessionPrincipal(c: Context<HubEnv>, rule: AccessRule): Promise<Principal> {
  const signedIn = await currentSession(c);
  if (!signedIn) throw unauthorized('your session has ended (signed out or expired): sign in again, or send "Authorization: Bearer <key>"');
  assertSameOrigin(c);
  const { user, session } = signedIn;
  const projectId = (session as { activeProjectId?: string | null }).activeProjectId;
  const member = projectId ? await membershipOf(c.get('deps').db, projectId, user.id) : undefined;
  if (!projectId || !member) throw unauthorized('you are no longer a member of this session\'s project: sign in again or switch project');
  const role = member.role === 'owner' ? 'admin' : member.role;
  if (RANK[role] < RANK[rule.secret]) throw new OutpostError(403, 'forbidden', `this route needs role ${rule.secret} or higher; you are ${member.role === 'admin' ? 'an' : 'a'} ${member.role} of this project`);
  return { keyId: user.id, actor: { type: 'user', id: user.id, name: user.name }, projectId, kind: 'secret', role, memberRole: member.role, allowedOrigins: [] };
}

/**
 * Authenticates the bearer key and checks its role; sets `principal`. 401 for no/bad/revoked key, 403 for a role too
 * weak. A client address with too many failed keys in a window (OUTPOST_AUTH_FAILURE_LIMIT) gets 429 without its
 * key being looked at, and a publishable key past its request budget (OUTPOST_DEVICE_RATE_LIMIT) gets 429 too. A
 * request without any key is no guess: it is neither limited nor counted. Without an Authorization header, a
 * session cookie signs a person in instead (a header wins when both are sent).
 */
export function access(rule: AccessRule) {
  return createMiddleware<HubEnv>(async (c, next) => {
    const header = c.req.header('authorization');
    if (!header && hasSessionCookie(c)) {
      c.set('principal', await sessionPrincipal(c, rule));
      return next();
    }
    if (!header) throw unauthorized('missing API key: send "Authorization: Bearer <key>"');
    const { db, config, rateLimiter } = c.get('deps');
    const failures = config.authFailureLimit;
    const address = failures ? `auth:${clientAddress(c)}` : '';
    if (failures) {
      const room = await rateLimiter.check(address, failures);
      if (!room.ok) throw rateLimited(c, room.retryAfterS, `too many failed authentications from this address (at most ${failures.limit} in ${failures.windowMs / 1000} s)`);
    }
    let row: ApiKeyRow;
    try {
      row = await authenticate(c, header);
    } catch (err) {
      if (failures && err instanceof OutpostError && err.status === 401) await rateLimiter.hit(address, failures);
      throw err;
    }
    const principal: Principal = {
      keyId: row.id,
      actor: { type: 'key', id: row.id, name: row.name },
      projectId: row.projectId,
      kind: row.kind,
      role: row.role,
      allowedOrigins: row.allowedOrigins,
    };
    if (row.kind === 'publishable') {
      if (!rule.device) throw new OutpostError(403, 'forbidden', 'publishable keys cannot call this route; use a secret (sk_) key');
      checkOrigin(c.req.header('origin'), row.allowedOrigins);
      const budget = config.deviceRateLimit;
      const spent = budget ? await rateLimiter.hit(`device:${row.id}`, budget) : null;
      if (budget && spent && !spent.ok) throw rateLimited(c, spent.retryAfterS, `publishable key ${row.prefix} is over its budget of ${budget.limit} requests in ${budget.windowMs / 1000} s (OUTPOST_DEVICE_RATE_LIMIT)`);
    } else if (RANK[row.role as SecretNeed] < RANK[rule.secret]) {
      throw new OutpostError(403, 'forbidden', `this route needs a key with role ${rule.secret} or higher; this key has role ${row.role}`);
    }
    c.set('principal', principal);
    await touchKey(db, row);
    await next();
  });
}
