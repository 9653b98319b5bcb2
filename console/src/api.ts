import type { ErrorBody } from '../../shared/errors';

const KEY_STORAGE = 'outpost.key';

export const session = {
  get key(): string | null {
    return sessionStorage.getItem(KEY_STORAGE);
  },
  signIn(key: string) {
    sessionStorage.setItem(KEY_STORAGE, key);
  },
  signOut() {
    sessionStorage.removeItem(KEY_STORAGE);
  },
};

/**
 * One call to the hub with the session's key. Response types come from the shared zod schemas; a non-2xx
 * reply throws the hub's own error message.
 */
export async function request<T>(method: string, path: string, options: { body?: unknown; key?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.key ?? session.key ?? ''}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const body = (await res.json().catch(() => null)) as T | ErrorBody | null;
  if (!res.ok) throw new Error((body as ErrorBody | null)?.error?.message ?? `request failed with HTTP ${res.status}`);
  return body as T;
}
