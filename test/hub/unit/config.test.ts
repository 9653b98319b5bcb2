import { describe, expect, it } from 'vitest';
import { ConfigError, parseSize, readConfig } from '../../../hub/config.js';

describe('config', () => {
  it('has the documented defaults', () => {
    expect(readConfig({})).toEqual({
      port: 8787,
      host: '127.0.0.1',
      dataDir: './.outpost',
      dbUrl: 'file:./.outpost/hub.db',
      dbToken: undefined,
      blobDir: './.outpost/blobs',
      adminKey: undefined,
      maxUpload: 2e9,
      maxBody: 32e6,
      demo: true,
      logRequests: false,
      authFailureLimit: { limit: 30, windowMs: 60_000 },
      deviceRateLimit: { limit: 6000, windowMs: 60_000 },
      clientIpHeader: undefined,
      trustProxy: false,
      authSecret: undefined,
      invitationTtlMs: 7 * 24 * 3600_000,
      webhooks: { allowPrivate: false, timeoutMs: 10_000, retryBaseMs: 1000, maxAttempts: 8 },
    });
  });

  it('reads the webhook settings and names a bad one', () => {
    expect(readConfig({ OUTPOST_WEBHOOK_ALLOW_PRIVATE: '1', OUTPOST_WEBHOOK_TIMEOUT: '500ms', OUTPOST_WEBHOOK_RETRY_BASE: '2s', OUTPOST_WEBHOOK_MAX_ATTEMPTS: '3' }).webhooks).toEqual({ allowPrivate: true, timeoutMs: 500, retryBaseMs: 2000, maxAttempts: 3 });
    expect(() => readConfig({ OUTPOST_WEBHOOK_TIMEOUT: 'soon' })).toThrow('OUTPOST_WEBHOOK_TIMEOUT must be a duration such as 500ms, 10s or 1m (got "soon")');
    expect(() => readConfig({ OUTPOST_WEBHOOK_MAX_ATTEMPTS: '0' })).toThrow('OUTPOST_WEBHOOK_MAX_ATTEMPTS must be from 1 to 50');
  });

  it('derives the database and blob folder from OUTPOST_DATA_DIR unless given', () => {
    const c = readConfig({ OUTPOST_DATA_DIR: '/srv/outpost/', OUTPOST_DB_URL: 'libsql://team.turso.io', OUTPOST_DB_TOKEN: 't' });
    expect(c).toMatchObject({ dataDir: '/srv/outpost', dbUrl: 'libsql://team.turso.io', dbToken: 't', blobDir: '/srv/outpost/blobs' });
  });

  it.each([
    ['OUTPOST_PORT', 'eighty', 'OUTPOST_PORT'],
    ['OUTPOST_PORT', '70000', 'from 0 to 65535'],
    ['OUTPOST_MAX_UPLOAD', 'lots', 'OUTPOST_MAX_UPLOAD must be a size'],
    ['OUTPOST_DB_URL', 'postgres://x', 'OUTPOST_DB_URL must start with file:'],
    ['OUTPOST_ADMIN_KEY', 'sk_short', 'OUTPOST_ADMIN_KEY'],
    ['OUTPOST_ADMIN_KEY', `pk_${'a'.repeat(43)}`, 'secret (sk_) key'],
    ['OUTPOST_DEMO', 'maybe', 'OUTPOST_DEMO must be 0 or 1'],
    ['OUTPOST_AUTH_FAILURE_LIMIT', 'many', 'OUTPOST_AUTH_FAILURE_LIMIT must be a rate such as 30/1m'],
    ['OUTPOST_DEVICE_RATE_LIMIT', '10/1d', 'OUTPOST_DEVICE_RATE_LIMIT must be a rate'],
  ])('stops with a message naming %s when it is %j', (name, value, message) => {
    expect(() => readConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => readConfig({ [name]: value })).toThrow(message);
  });

  it('reads rate limits as N/window, and off', () => {
    expect(readConfig({ OUTPOST_AUTH_FAILURE_LIMIT: '5/10s', OUTPOST_DEVICE_RATE_LIMIT: 'off' })).toMatchObject({
      authFailureLimit: { limit: 5, windowMs: 10_000 },
      deviceRateLimit: null,
    });
    expect(readConfig({ OUTPOST_DEVICE_RATE_LIMIT: '100/h', OUTPOST_AUTH_FAILURE_LIMIT: '0' })).toMatchObject({
      deviceRateLimit: { limit: 100, windowMs: 3_600_000 },
      authFailureLimit: null,
    });
  });

  it('reads sizes in decimal and binary units', () => {
    expect(parseSize('2GB')).toBe(2e9);
    expect(parseSize('512MiB')).toBe(512 * 1024 * 1024);
    expect(parseSize('1048576')).toBe(1048576);
    expect(parseSize('1.5kb')).toBe(1500);
    expect(parseSize('ten')).toBeNull();
    expect(parseSize('5 parsecs')).toBeNull();
  });

  it('turns OUTPOST_DEMO=0 off', () => {
    expect(readConfig({ OUTPOST_DEMO: '0' }).demo).toBe(false);
  });
});
