import { betterAuth } from 'better-auth/minimal';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { eq } from 'drizzle-orm';
import { base64url } from '../../shared/base64url.js';
import type { Db } from '../db/client.js';
import { accounts, hubSettings, sessions, users, verifications } from './schema.js';

/** The session cookie's name: `outpost.session_token`, with better-auth's `__Secure-` prefix on https. */
export const COOKIE_PREFIX = 'outpost';

/**
 * better-auth over the hub's drizzle db (libSQL on Node, D1 on Workers). We call its server API (`auth.api.*`) from
 * our own routes rather than mounting its router: the wire shapes, errors, rate limits and cross-site rule stay the
 * hub's. Public sign-up is off (accounts come from invitations and the first-owner route); its own rate limiter and
 * telemetry are off; no cookie cache, so a deleted session is refused at the next request.
 */
function makeAuth(db: Db, secret: string, secure: boolean) {
  return betterAuth({
    appName: 'Outpost',
    secret,
    database: drizzleAdapter(db as never, { provider: 'sqlite', schema: { user: users, session: sessions, account: accounts, verification: verifications } }),
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 8, maxPasswordLength: 128 },
    session: {
      additionalFields: { activeProjectId: { type: 'string', required: false, input: false } },
      cookieCache: { enabled: false },
    },
    advanced: { cookiePrefix: COOKIE_PREFIX, useSecureCookies: secure },
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    logger: { level: 'error' },
  });
}

export type Auth = ReturnType<typeof makeAuth>;

const SECRET_NAME = 'auth-secret';

/** The session-signing secret: made once (32 random bytes) and kept in the database, so every process and isolate agrees. */
async function storedSecret(db: Db): Promise<string> {
  const [row] = await db.select().from(hubSettings).where(eq(hubSettings.name, SECRET_NAME));
  if (row) return row.value;
  const value = base64url(crypto.getRandomValues(new Uint8Array(32)));
  // A concurrent first request may insert its own: the first insert wins and both read it back.
  await db.insert(hubSettings).values({ name: SECRET_NAME, value, createdAt: new Date() }).onConflictDoNothing();
  const [won] = await db.select().from(hubSettings).where(eq(hubSettings.name, SECRET_NAME));
  return won!.value;
}

const cache = new WeakMap<Db, { secret?: Promise<string>; plain?: Auth; secure?: Auth }>();

/** better-auth for this database; `secure` (an https request) sets Secure cookies with the `__Secure-` prefix. */
export async function authFor(db: Db, configuredSecret: string | undefined, secure: boolean): Promise<Auth> {
  let entry = cache.get(db);
  if (!entry) cache.set(db, (entry = {}));
  entry.secret ??= configuredSecret ? Promise.resolve(configuredSecret) : storedSecret(db).catch((err) => {
    entry!.secret = undefined;
    throw err;
  });
  const secret = await entry.secret;
  const slot = secure ? 'secure' : 'plain';
  return (entry[slot] ??= makeAuth(db, secret, secure));
}
