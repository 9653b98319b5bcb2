import type { ErrorBody } from '../../shared/errors.js';

/** A failure the CLI reports as one line and an exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface HubOptions {
  hub: string;
  key?: string;
}

/** The hub's REST API as the CLI uses it: JSON in, JSON out, the hub's own error message on failure. */
export class HubClient {
  constructor(private readonly options: HubOptions) {}

  get url() {
    return this.options.hub.replace(/\/+$/, '');
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    if (!this.options.key) throw new CliError('no API key: pass --key or set OUTPOST_KEY', 2);
    return { authorization: `Bearer ${this.options.key}`, ...extra };
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await fetch(this.url + path, { ...init, headers: { ...this.headers(), ...(init.headers as Record<string, string>) } });
    } catch (err) {
      throw new CliError(`cannot reach the hub at ${this.url} (${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}); is it running? (outpost hub)`);
    }
  }

  async json<T>(method: string, path: string, body?: unknown, ok: number[] = []): Promise<T> {
    const res = await this.fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as T | ErrorBody) : ({} as T);
    if (!res.ok && !ok.includes(res.status)) {
      throw new CliError((parsed as ErrorBody).error?.message ?? `the hub answered HTTP ${res.status} to ${method} ${path}`);
    }
    return parsed as T;
  }
}
