import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { retryAfterMs, retryDelay } from '../../../hub/webhooks/deliver.js';
import { destinationProblem, isPrivateAddress } from '../../../hub/webhooks/destination.js';
import { newWebhookSecret, signDelivery } from '../../../hub/webhooks/sign.js';

describe('webhook signatures', () => {
  it('signs so that the standardwebhooks package verifies, and a changed body does not', async () => {
    const secret = newWebhookSecret();
    const body = JSON.stringify({ type: 'alias.moved', timestamp: new Date().toISOString(), data: { to: 3 } });
    const headers = await signDelivery(secret, 'msg_abc', Math.floor(Date.now() / 1000), body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('3', '4'), headers)).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });
});

describe('webhook retry delays', () => {
  const base = { retryBaseMs: 1000 };
  it('doubles from the base, capped at 60 times it, with jitter between half and all of it', () => {
    const high = (n: number) => retryDelay(n, null, { ...base, random: () => 1 });
    const low = (n: number) => retryDelay(n, null, { ...base, random: () => 0 });
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(high)).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    expect([1, 2, 7].map(low)).toEqual([500, 1000, 30000]);
  });

  it('waits at least what Retry-After asks, up to an hour', () => {
    expect(retryDelay(1, 30_000, { ...base, random: () => 1 })).toBe(30_000);
    expect(retryDelay(7, 10, { ...base, random: () => 1 })).toBe(60_000);
    expect(retryDelay(1, 10 * 3600_000, { ...base, random: () => 1 })).toBe(3600_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });
});

describe('webhook destinations', () => {
  it.each(['127.0.0.1', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '[::1]'])('%s is private', (ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });

  it.each(['8.8.8.8', '172.32.0.1', '192.169.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('%s is public', (ip) => {
    expect(isPrivateAddress(ip)).toBe(false);
  });

  it('refuses a URL that is not http(s)', async () => {
    expect(await destinationProblem('ftp://example.com/x', true)).toContain('must be http(s)');
    expect(await destinationProblem('not a url', true)).toContain('not an absolute URL');
  });

  it('checks every address a host name resolves to, when the platform can resolve', async () => {
    const resolve = async (host: string) => (host === 'inside.example' ? ['93.184.216.34', '10.0.0.7'] : ['93.184.216.34']);
    expect(await destinationProblem('https://inside.example/hook', false, resolve)).toContain('inside.example (10.0.0.7)');
    expect(await destinationProblem('https://outside.example/hook', false, resolve)).toBeNull();
    expect(await destinationProblem('https://inside.example/hook', true, resolve)).toBeNull();
  });

  it('takes a host name as it is where names cannot be resolved (Workers), but still refuses localhost and private literals', async () => {
    expect(await destinationProblem('https://hooks.example.com/x', false)).toBeNull();
    expect(await destinationProblem('http://localhost:8080/x', false)).toContain('OUTPOST_WEBHOOK_ALLOW_PRIVATE=1');
    expect(await destinationProblem('http://10.0.0.1/x', false)).toContain('private');
  });
});
