import type { Context } from 'hono';
import type { HubEnv } from './env.js';

/**
 * The address a request came from, for per-address limits. Behind a proxy the hub trusts (OUTPOST_CLIENT_IP_HEADER),
 * the last entry of that header: the one the proxy itself added, which a client cannot forge. Otherwise the
 * connection's peer on Node, and Cloudflare's CF-Connecting-IP on Workers.
 */
export function clientAddress(c: Context<HubEnv>): string {
  const trusted = c.get('deps').config.clientIpHeader;
  const fromProxy = trusted ? c.req.header(trusted)?.split(',').pop()?.trim() : undefined;
  if (fromProxy) return fromProxy;
  const socket = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket;
  return socket?.remoteAddress ?? c.req.header('cf-connecting-ip') ?? 'unknown';
}
