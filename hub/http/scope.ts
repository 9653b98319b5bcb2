import type { Context } from 'hono';
import type { RequestScope } from '../core/scope.js';
import type { HubEnv } from './env.js';

/** The request's scope, built from the app's dependencies and the authenticated principal (set by `access`). */
export function scopeOf(c: Context<HubEnv>): RequestScope {
  const { db, blobs } = c.get('deps');
  const principal = c.get('principal');
  return { db, blobs, projectId: principal.projectId, principal, now: Date.now };
}
