import { codeForStatus, OutpostError, type ErrorBody } from '../errors.js';

export interface HubClientOptions {
  /** The hub's URL; '' for the page's own origin (the console). */
  hub: string;
  /** The API key, or a function read on every call (a console session, a CLI flag checked only when used); '' sends none (the console signed in by cookie). */
  key: string | (() => string);
  /** What a caller throws when the hub cannot be reached at all (offline, refused, dropped): each says it its own way. */
  unreachable?: (cause: unknown, url: string) => Error;
  /** Added to every request, e.g. `{ cache: 'no-store' }`. */
  init?: RequestInit;
}

const defaultUnreachable = (cause: unknown, url: string) => new Error(`cannot reach the hub at ${url} (${(cause as Error)?.message ?? String(cause)})`, { cause });

/** A non-2xx reply as the hub's own OutpostError (status, code, message, details); a reply with no hub error body (a HEAD, a proxy's page) gets its status's code. */
export async function replyError(res: Response, method: string, path: string): Promise<OutpostError> {
  const body = (await res.json().catch(() => null)) as Partial<ErrorBody> | null;
  const error = body?.error;
  if (error && typeof error.message === 'string') return new OutpostError(res.status, error.code, error.message, error.details);
  return new OutpostError(res.status, codeForStatus(res.status), `the hub answered HTTP ${res.status} to ${method} ${path}`);
}

/**
 * The one HTTP client of the hub: console, CLI and runtime each make one with their own key and their own way of
 * reporting that the hub is unreachable. Typed calls live beside it (shared/client/*.ts) as plain functions, so a
 * bundle carries only the calls it makes.
 */
export class HubClient {
  readonly base: string;
  constructor(private readonly options: HubClientOptions) {
    this.base = options.hub.replace(/\/+$/, '');
  }

  /** The raw reply, any status (blobs, streams, 304s); only a network failure throws. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const key = typeof this.options.key === 'function' ? this.options.key() : this.options.key;
    const headers = new Headers(init.headers);
    if (key) headers.set('authorization', `Bearer ${key}`);
    try {
      return await fetch(this.base + path, { ...this.options.init, ...init, headers });
    } catch (err) {
      // The caller gave up: that is not the hub's fault, and the caller knows what it asked for.
      if ((err as Error)?.name === 'AbortError') throw err;
      throw (this.options.unreachable ?? defaultUnreachable)(err, this.base || 'this origin');
    }
  }

  /** The raw reply; any status but 2xx and `allow` throws the hub's error. */
  async send(path: string, init: RequestInit = {}, allow: number[] = []): Promise<Response> {
    const res = await this.fetch(path, init);
    if (!res.ok && !allow.includes(res.status)) throw await replyError(res, init.method ?? 'GET', path);
    return res;
  }

  /** JSON in, JSON out; a non-2xx reply throws the hub's error. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method };
    if (body !== undefined) Object.assign(init, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await (await this.send(path, init)).json()) as T;
  }
}
