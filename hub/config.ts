import { z } from 'zod';
import { parseDuration } from '../shared/duration.js';
import { KEY_RE } from '../shared/ids.js';

const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3 };

/** Parses `2GB`, `512MiB`, `1048576` into bytes; null when it is not a size. */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return null;
  const unit = SIZE_UNITS[(m[2] || 'B').toUpperCase()];
  return unit ? Math.floor(Number(m[1]) * unit) : null;
}

const size = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const bytes = parseSize(v);
      if (bytes === null || bytes <= 0) {
        ctx.addIssue({ code: 'custom', message: `must be a size such as 2GB, 512MiB or 1048576 (got "${v}")` });
        return z.NEVER;
      }
      return bytes;
    });

/** A rate as `N/DURATION` (`30/1m`, `100/10s`, `5000/1h`); `0` or `off` turns the limit off (null). */
export interface RateRule {
  limit: number;
  windowMs: number;
}
const WINDOW_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

export function parseRate(text: string): RateRule | null | undefined {
  if (/^\s*(0|off)\s*$/i.test(text)) return null;
  const m = /^\s*(\d+)\s*\/\s*(\d*)\s*(s|m|h)\s*$/i.exec(text);
  if (!m) return undefined;
  const windowMs = Number(m[2] || 1) * WINDOW_UNITS[m[3]!.toLowerCase()]!;
  const limit = Number(m[1]);
  return limit > 0 && windowMs > 0 ? { limit, windowMs } : undefined;
}

const rate = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const rule = parseRate(v);
      if (rule === undefined) {
        ctx.addIssue({ code: 'custom', message: `must be a rate such as 30/1m, 100/10s or 5000/1h, or off (got "${v}")` });
        return z.NEVER;
      }
      return rule;
    });

const flag = z
  .enum(['0', '1', 'true', 'false'], { message: 'must be 0 or 1' })
  .default('1')
  .transform((v) => v === '1' || v === 'true');

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const m = /^\s*(\d+)\s*(ms|s|m)?\s*$/.exec(v);
      if (!m || Number(m[1]) <= 0) {
        ctx.addIssue({ code: 'custom', message: `must be a duration such as 500ms, 10s or 1m (got "${v}")` });
        return z.NEVER;
      }
      return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm'];
    });

const envSchema = z.object({
  OUTPOST_PORT: z.coerce
    .number({ message: 'must be a port number' })
    .int('must be a whole number')
    .min(0, 'must be from 0 to 65535')
    .max(65535, 'must be from 0 to 65535')
    .default(8787),
  OUTPOST_HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  OUTPOST_DATA_DIR: z.string().min(1, 'must not be empty').default('./.outpost'),
  OUTPOST_DB_URL: z
    .string()
    .regex(/^(file:|libsql:|https?:|wss?:)/, 'must start with file:, libsql:, http(s): or ws(s):')
    .optional(),
  OUTPOST_DB_TOKEN: z.string().optional(),
  OUTPOST_BLOB_DIR: z.string().min(1).optional(),
  OUTPOST_ADMIN_KEY: z
    .string()
    .regex(KEY_RE, 'must be an sk_ key: "sk_" followed by 43 base64url characters')
    .refine((k) => k.startsWith('sk_'), 'must be a secret (sk_) key')
    .optional(),
  OUTPOST_MAX_UPLOAD: size('2GB'),
  OUTPOST_MAX_BODY: size('32MB'),
  OUTPOST_DEMO: flag,
  OUTPOST_AUTH_FAILURE_LIMIT: rate('30/1m'),
  OUTPOST_DEVICE_RATE_LIMIT: rate('6000/1m'),
  OUTPOST_CLIENT_IP_HEADER: z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a header name such as X-Forwarded-For').optional(),
  OUTPOST_TRUST_PROXY: z
    .enum(['0', '1', 'true', 'false'], { message: 'must be 0 or 1' })
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
  OUTPOST_WEBHOOK_ALLOW_PRIVATE: z
    .enum(['0', '1', 'true', 'false'], { message: 'must be 0 or 1' })
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
  OUTPOST_WEBHOOK_TIMEOUT: duration('10s'),
  OUTPOST_WEBHOOK_RETRY_BASE: duration('1s'),
  OUTPOST_WEBHOOK_MAX_ATTEMPTS: z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(1, 'must be from 1 to 50').max(50, 'must be from 1 to 50').default(8),
  OUTPOST_AUTH_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 32`)').optional(),
  OUTPOST_INVITATION_TTL: z
    .string()
    .default('7d')
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (!ms) {
        ctx.addIssue({ code: 'custom', message: `must be a duration such as 7d, 12h or 10m (got "${v}")` });
        return z.NEVER;
      }
      return ms;
    }),
  OUTPOST_LOG: z.enum(['info', 'requests'], { message: 'must be info or requests' }).default('info'),
});

export interface HubConfig {
  port: number;
  host: string;
  dataDir: string;
  dbUrl: string;
  dbToken?: string;
  blobDir: string;
  adminKey?: string;
  /** Largest blob accepted by PUT /v1/blobs, in bytes. */
  maxUpload: number;
  /** Largest JSON request body, in bytes. */
  maxBody: number;
  demo: boolean;
  /** Log every request (method, path, status, time) to stderr. */
  logRequests: boolean;
  /** Failed authentications allowed per client address and window; null: no limit. */
  authFailureLimit: RateRule | null;
  /** Requests allowed per publishable key and window; null: no limit. */
  deviceRateLimit: RateRule | null;
  /** The header a trusted proxy puts the client's address in (its last entry is used); unset: the connection's. */
  clientIpHeader?: string;
  /** A TLS-terminating proxy the hub trusts says the client's scheme in X-Forwarded-Proto (OUTPOST_TRUST_PROXY). */
  trustProxy: boolean;
  /** Signs session cookies; unset: a secret the hub makes once and keeps in its database. */
  authSecret?: string;
  /** How long an invitation link works, in ms (OUTPOST_INVITATION_TTL). */
  invitationTtlMs: number;
  /** Webhooks: private/loopback destinations allowed; each attempt's timeout; first retry delay; attempts before giving up. */
  webhooks: { allowPrivate: boolean; timeoutMs: number; retryBaseMs: number; maxAttempts: number };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads the configuration once from an environment (process.env on Node, bindings on Workers). */
export function readConfig(env: Record<string, unknown>): HubConfig {
  const strings = Object.fromEntries(
    Object.keys(envSchema.shape)
      .filter((k) => typeof env[k] === 'string' && env[k] !== '')
      .map((k) => [k, env[k]]),
  );
  const parsed = envSchema.safeParse(strings);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${String(i.path[0])} ${i.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
  }
  const e = parsed.data;
  const dataDir = e.OUTPOST_DATA_DIR.replace(/\/+$/, '');
  return {
    port: e.OUTPOST_PORT,
    host: e.OUTPOST_HOST,
    dataDir,
    dbUrl: e.OUTPOST_DB_URL ?? `file:${dataDir}/hub.db`,
    dbToken: e.OUTPOST_DB_TOKEN,
    blobDir: e.OUTPOST_BLOB_DIR ?? `${dataDir}/blobs`,
    adminKey: e.OUTPOST_ADMIN_KEY,
    maxUpload: e.OUTPOST_MAX_UPLOAD,
    maxBody: e.OUTPOST_MAX_BODY,
    demo: e.OUTPOST_DEMO,
    logRequests: e.OUTPOST_LOG === 'requests',
    authFailureLimit: e.OUTPOST_AUTH_FAILURE_LIMIT,
    deviceRateLimit: e.OUTPOST_DEVICE_RATE_LIMIT,
    clientIpHeader: e.OUTPOST_CLIENT_IP_HEADER?.toLowerCase(),
    trustProxy: e.OUTPOST_TRUST_PROXY,
    authSecret: e.OUTPOST_AUTH_SECRET,
    invitationTtlMs: e.OUTPOST_INVITATION_TTL,
    webhooks: {
      allowPrivate: e.OUTPOST_WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: e.OUTPOST_WEBHOOK_TIMEOUT,
      retryBaseMs: e.OUTPOST_WEBHOOK_RETRY_BASE,
      maxAttempts: e.OUTPOST_WEBHOOK_MAX_ATTEMPTS,
    },
  };
}
