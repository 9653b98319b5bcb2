import { OutpostRuntimeError } from '../errors.js';

/** How the runtime talks to its hub: the key on every call, and hub errors turned into runtime errors. */
export class HubClient {
  readonly base: string;
  constructor(
    hub: string,
    private readonly key: string,
  ) {
    this.base = hub.replace(/\/+$/, '');
  }

  /** Network failure (offline, hub down, connection dropped) rejects with code 'offline'. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('Authorization', `Bearer ${this.key}`);
    try {
      return await fetch(this.base + path, { ...init, headers, cache: 'no-store' });
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw err;
      throw new OutpostRuntimeError('offline', `hub ${this.base} is unreachable (${(err as Error).message})`, { cause: err });
    }
  }

  /** A non-2xx reply as an error carrying the hub's own message. */
  static async failure(res: Response, what: string): Promise<OutpostRuntimeError> {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { error?: { message?: string } };
      if (body?.error?.message) message = body.error.message;
    } catch {
      // not JSON: keep the status line
    }
    const code = res.status === 404 ? 'not_found' : res.status === 401 || res.status === 403 ? 'unauthorized' : 'hub';
    return new OutpostRuntimeError(code, `${what}: ${message}`);
  }
}
