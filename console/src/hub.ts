import { getBlob } from '../../shared/client/blobs';
import { HubClient } from '../../shared/client/hub-client';

const KEY_STORAGE = 'outpost.key';
/** Set while a person is signed in by cookie. The cookie is HttpOnly, so this (no secret) is how a new tab knows to ask. */
const PERSON_STORAGE = 'outpost.person';

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
  /** Whether this browser may hold a person's session cookie; without it the console sends nothing before sign-in. */
  get person(): boolean {
    return localStorage.getItem(PERSON_STORAGE) === '1';
  },
  setPerson(on: boolean) {
    if (on) localStorage.setItem(PERSON_STORAGE, '1');
    else localStorage.removeItem(PERSON_STORAGE);
  },
};

const OFFLINE_MESSAGE = 'You are offline: the console is loaded from its cache, but data needs the hub. It loads again once you are back online.';
const unreachable = (cause: unknown) => new Error(navigator.onLine ? `could not reach the hub (${(cause as Error).message}); check that it is running` : OFFLINE_MESSAGE);

/**
 * A client of the hub that served this page; `key` defaults to the session's. With no key it sends the session
 * cookie (same-origin credentials). Errors carry the hub's own message.
 */
export function consoleHub(key: string | (() => string) = () => session.key ?? ''): HubClient {
  return new HubClient({ hub: '', key, unreachable, init: { credentials: 'same-origin' } });
}

const expiryListeners = new Set<() => void>();
/** Called when the hub no longer knows the signed-in console (session ended, member removed, key revoked). */
export function onSignedOutByHub(listener: () => void): () => void {
  expiryListeners.add(listener);
  return () => void expiryListeners.delete(listener);
}

/** The signed-in console's client: a 401 means the key or session is gone, and the console returns to sign-in. */
class SignedInHub extends HubClient {
  override async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await super.fetch(path, init);
    if (res.status === 401) expiryListeners.forEach((l) => l());
    return res;
  }
}

/** The signed-in console's client. */
export const hub: HubClient = new SignedInHub({ hub: '', key: () => session.key ?? '', unreachable, init: { credentials: 'same-origin' } });

/** Blobs need the key, so a plain link cannot download them: fetch with Authorization, then save a blob URL. */
export async function downloadBlob(digest: string, filename: string): Promise<void> {
  const blob = await (await getBlob(hub, digest)).blob();
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement('a'), { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
