import { HubClient } from '../shared/client/hub-client.js';
import { OutpostError } from '../shared/errors.js';
import { OutpostRuntimeError } from './errors.js';

/** The runtime's hub client: never the HTTP cache (manifests revalidate by ETag), and no network is code 'offline'. */
export function runtimeHub(hub: string, key: string): HubClient {
  return new HubClient({
    hub,
    key,
    init: { cache: 'no-store' },
    unreachable: (cause, url) => new OutpostRuntimeError('offline', `hub ${url} is unreachable (${(cause as Error)?.message})`, { cause }),
  });
}

/** A hub refusal as the runtime's error, saying what the runtime was doing; any other error passes unchanged. */
export function hubFailure(err: unknown, what: string): unknown {
  if (!(err instanceof OutpostError)) return err;
  const code = err.status === 404 ? 'not_found' : err.status === 401 || err.status === 403 ? 'unauthorized' : 'hub';
  return new OutpostRuntimeError(code, `${what}: ${err.message}`, { cause: err });
}
