import { newApiKey } from '../../shared/ids.js';

/** Limits small enough that the size tests stay fast; the same on both runtimes. */
export const TEST_LIMITS = { OUTPOST_MAX_UPLOAD: '4MiB', OUTPOST_MAX_BODY: '512KiB' } as const;

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
