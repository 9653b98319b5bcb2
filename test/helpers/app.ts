import { test as base } from 'vitest';
import { openInProcessHub, type InProcessHub } from './in-process-hub.js';

export { openInProcessHub, type InProcessHub } from './in-process-hub.js';

/** `test` with a `hub` fixture: each test that names it gets its own hub, closed and deleted after the test. */
export const test = base.extend<{ hub: InProcessHub }>({
  hub: async ({}, use) => {
    const hub = await openInProcessHub();
    try {
      await use(hub);
    } finally {
      await hub.close();
    }
  },
});

export { describe, expect } from 'vitest';
