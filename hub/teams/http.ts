import type { Context } from 'hono';
import { OutpostError } from '../../shared/errors.js';
import type { HubEnv } from '../http/env.js';
import { authFor, COOKIE_PREFIX, type Auth } from './auth.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The hub's own origin, as the client reached it: the request's URL or, behind a proxy the hub trusts
 * (OUTPOST_TRUST_PROXY), with the scheme the proxy names in X-Forwarded-Proto (its first value: the client's side of
 * the first proxy). Untrusted, the header is ignored: a client could send any.
 */
export function hubOrigin(c: Context<HubEnv>): string {
  const url = new URL(c.req.url);
  const forwarded = c.get('deps').config.trustProxy ? c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() : undefined;
  if (forwarded === 'https' || forwarded === 'http') url.protocol = `${forwarded}:`;
  return url.origin;
}

/** better-auth for this request: Secure, `__Secure-` cookies when the client's side is https. */
export function authOf(c: Context<HubEnv>): Promise<Auth> {
  const { db, config } = c.get('deps');
  return authFor(db, config.authSecret, hubOrigin(c).startsWith('https:'));
}

/**
 * The cross-site rule for cookie-authenticated writes (and the sign-in and accept POSTs, against login CSRF): the
 * request must come from the hub's own origin, said by `Origin` or, without one, by `Sec-Fetch-Site: same-origin`.
 */
export function assertSameOrigin(c: Context<HubEnv>) {
  if (SAFE_METHODS.has(c.req.method)) return;
  const origin = c.req.header('origin');
  if (origin !== undefined ? origin.toLowerCase() === hubOrigin(c).toLowerCase() : c.req.header('sec-fetch-site') === 'same-origin') return;
  throw new OutpostError(
    403,
    'cross_site_request',
    `a signed-in ${c.req.method} must come from the hub's own pages (${hubOrigin(c)}); this one came from ${origin ?? 'an unknown origin (no Origin or Sec-Fetch-Site header)'}. Scripts use an API key instead`,
  );
}

/** Copies better-auth's Set-Cookie headers onto our reply. */
export function forwardCookies(c: Context<HubEnv>, headers: Headers | undefined) {
  for (const cookie of headers?.getSetCookie() ?? []) c.header('set-cookie', cookie, { append: true });
}

export type SignedIn = NonNullable<Awaited<ReturnType<Auth['api']['getSession']>>>;

/** The request's live session (better-auth checks the cookie's signature and the row), or null. */
export async function currentSession(c: Context<HubEnv>): Promise<SignedIn | null> {
  const auth = await authOf(c);
  const { headers, response } = await auth.api.getSession({ headers: c.req.raw.headers, query: { disableCookieCache: true }, returnHeaders: true });
  forwardCookies(c, headers);
  return response;
}

/** Whether the request carries a better-auth session cookie at all (so requests without one skip the lookup). */
const SESSION_COOKIE = new RegExp(`(?:^|;\\s*)(?:__Secure-)?${COOKIE_PREFIX}\\.session_token=`);
export const hasSessionCookie = (c: Context<HubEnv>) => SESSION_COOKIE.test(c.req.header('cookie') ?? '');
