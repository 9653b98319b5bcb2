/** Resolves a host name to its addresses; the Node platform passes dns.lookup, Workers cannot resolve. */
export type ResolveHost = (hostname: string) => Promise<string[]>;

function v4Parts(ip: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

function privateV4([a, b]: number[]): boolean {
  return (
    a === 0 || a === 10 || a === 127 || a! >= 224 ||
    (a === 100 && b! >= 64 && b! <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local (cloud metadata)
    (a === 172 && b! >= 16 && b! <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0) ||
    (a === 198 && (b === 18 || b === 19))
  );
}

/** Loopback, private, link-local, unspecified, multicast or otherwise non-public: a webhook may not go there. */
export function isPrivateAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, '').toLowerCase();
  const v4 = v4Parts(ip);
  if (v4) return privateV4(v4);
  if (!ip.includes(':')) return false;
  const mapped = /^(?:0*:)*:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip) ?? /^::(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (mapped) return privateV4(v4Parts(mapped[1]!) ?? [0]);
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(ip);
  if (hex) {
    const hi = parseInt(hex[1]!, 16);
    const lo = parseInt(hex[2]!, 16);
    return privateV4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
  }
  if (ip === '::' || ip === '::1') return true;
  const first = parseInt(ip.split(':')[0] || '0', 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00;
}

/**
 * Why a destination is refused, or null when it may be called. Only http(s). Unless private destinations are
 * allowed (OUTPOST_WEBHOOK_ALLOW_PRIVATE=1): a literal IP must be public, `localhost` is refused, and where the
 * platform can resolve names (Node) every address of the host must be public. Workers cannot resolve names, so there a
 * host name is taken as it is (Cloudflare's own egress does not reach private networks).
 */
export async function destinationProblem(url: string, allowPrivate: boolean, resolve?: ResolveHost): Promise<string | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not an absolute URL`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `the URL must be http(s), not ${parsed.protocol}`;
  if (allowPrivate) return null;
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const refuse = (what: string) => `${what} is a private, loopback or link-local address; webhooks may not go there (an operator may allow it with OUTPOST_WEBHOOK_ALLOW_PRIVATE=1)`;
  if (host === 'localhost' || host.endsWith('.localhost')) return refuse(host);
  if (v4Parts(host) || host.includes(':')) return isPrivateAddress(host) ? refuse(host) : null;
  if (!resolve) return null;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (err) {
    return `cannot resolve ${host}: ${(err as Error).message}`;
  }
  const bad = addresses.find(isPrivateAddress);
  return bad ? refuse(`${host} (${bad})`) : null;
}
