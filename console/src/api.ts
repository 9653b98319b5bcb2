import { hc } from 'hono/client';
import type { AppType } from '../../hub/app';
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

/** The hub's typed client, authenticated with the session's key. */
export function api(key = session.key ?? '') {
  return hc<AppType>(location.origin, { headers: { authorization: `Bearer ${key}` } });
}

/** Resolves to the JSON body, or throws the hub's error message. */
export async function unwrap<T>(response: Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>): Promise<T> {
  const res = await response;
  const body = (await res.json().catch(() => null)) as T | ErrorBody | null;
  if (!res.ok) throw new Error((body as ErrorBody | null)?.error?.message ?? `request failed with HTTP ${res.status}`);
  return body as T;
}
