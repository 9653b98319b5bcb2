import { createMiddleware } from 'hono/factory';
import type { HubEnv } from './env.js';

const KEY_LIKE = /\b(sk|pk)_[A-Za-z0-9_-]{43}\b/g;
/** An invitation link's token (`/v1/invitations/{token}`), as good as a password until it is used. */
const INVITATION_TOKEN = /(\/invitations\/)[A-Za-z0-9_-]{43}(?=\/|$)/g;

/**
 * OUTPOST_LOG=requests: one line per request when it starts and when it ends (method, path, status, time). The query
 * string is left out (clients put tokens and user values there) and anything shaped like a key, or an invitation token, is masked.
 */
export const requestLog = (write: (line: string) => void) =>
  createMiddleware<HubEnv>(async (c, next) => {
    const path = c.req.path.replace(KEY_LIKE, '$1_…').replace(INVITATION_TOKEN, '$1…');
    const started = performance.now();
    write(`<-- ${c.req.method} ${path}`);
    await next();
    write(`--> ${c.req.method} ${path} ${c.res.status} ${Math.round(performance.now() - started)}ms`);
  });
