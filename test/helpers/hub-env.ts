import { newApiKey } from '../../shared/ids.js';

/** The header the test hubs read a client's address from (as behind a proxy), so each rate-limit test has its own address. */
export const CLIENT_IP_HEADER = 'X-Outpost-Test-Client';

/**
 * Limits small enough that the size and rate tests stay fast; the same on both runtimes. Requests without the client
 * header all count as 127.0.0.1: the suites' deliberate bad keys stay well under 20 a minute.
 */
export const TEST_LIMITS = {
  OUTPOST_MAX_UPLOAD: '4MiB',
  OUTPOST_MAX_BODY: '512KiB',
  OUTPOST_AUTH_FAILURE_LIMIT: '20/1m',
  OUTPOST_DEVICE_RATE_LIMIT: '40/1m',
  OUTPOST_CLIENT_IP_HEADER: CLIENT_IP_HEADER,
  // As behind a TLS-terminating proxy: X-Forwarded-Proto says the client's scheme (tests that send none see http).
  OUTPOST_TRUST_PROXY: '1',
  // Webhook receivers in the tests listen on 127.0.0.1.
  OUTPOST_WEBHOOK_ALLOW_PRIVATE: '1',
} as const;

export interface HubTarget {
  runtime: 'node' | 'workerd';
  url: string;
  adminKey: string;
  /** The Node hub's data folder, so tests can look for leftover files; absent on workerd. */
  dataDir?: string;
}

export const testAdminKey = () => newApiKey('secret');

declare module 'vitest' {
  export interface ProvidedContext {
    hub: HubTarget;
  }
}
