import { createMiddleware } from 'hono/factory';
import { OutpostError } from '../../shared/errors.js';
import { keyKindOf } from '../../shared/ids.js';
import type { Principal } from '../core/scope.js';
import type { HubEnv } from '../http/env.js';
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

function bearerOf(header: string | undefined): string {
  if (!header) throw unauthorized('missing API key: send "Authorization: Bearer <key>"');
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

/** Authenticates the bearer key and checks its role; sets `principal`. 401 for no/bad/revoked key, 403 for a role too weak. */
export function access(rule: AccessRule) {
  return createMiddleware<HubEnv>(async (c, next) => {
    const key = bearerOf(c.req.header('authorization'));
    if (!keyKindOf(key)) throw unauthorized('invalid API key: expected sk_… or pk_… followed by 43 characters');
    const { db } = c.var.deps;
    const hash = await hashKey(key);
    const row = await findKeyByHash(db, hash);
    if (!row || !constantTimeEqual(row.hash, hash)) throw unauthorized('invalid API key: no such key');
    if (row.revokedAt) throw unauthorized(`API key ${row.prefix} was revoked at ${row.revokedAt.toISOString()}`);
    const principal: Principal = {
      keyId: row.id,
      projectId: row.projectId,
      kind: row.kind,
      role: row.role,
      allowedOrigins: row.allowedOrigins,
    };
    if (row.kind === 'publishable') {
      if (!rule.device) throw new OutpostError(403, 'forbidden', 'publishable keys cannot call this route; use a secret (sk_) key');
      checkOrigin(c.req.header('origin'), row.allowedOrigins);
    } else if (RANK[row.role as SecretNeed] < RANK[rule.secret]) {
      throw new OutpostError(403, 'forbidden', `this route needs a key with role ${rule.secret} or higher; this key has role ${row.role}`);
    }
    c.set('principal', principal);
    await touchKey(db, row);
    await next();
  });
}
