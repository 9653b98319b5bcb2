import type { HubClient } from '../../shared/client/hub-client.js';

/**
 * The hub client, sending a request again once when it never got a reply (a kept-alive connection the hub closed
 * while this process was busy hashing fails at once). Every dataset call may be sent twice (docs/datasets.md: a page
 * again is a no-op, a commit again answers the same version); a streamed upload cannot be replayed and is not.
 */
export function retryingOnce(hub: HubClient): HubClient {
  const fetchOnce = hub.fetch.bind(hub);
  hub.fetch = async (path, init = {}) => {
    try {
      return await fetchOnce(path, init);
    } catch (err) {
      if ((err as Error)?.name === 'AbortError' || init.body instanceof ReadableStream) throw err;
      return fetchOnce(path, init);
    }
  };
  return hub;
}
