import { getBlob } from '../../shared/client/blobs';
import { HubClient } from '../../shared/client/hub-client';

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

const OFFLINE_MESSAGE = 'You are offline: the console is loaded from its cache, but data needs the hub. It loads again once you are back online.';

/** A client of the hub that served this page; `key` defaults to the session's. Errors carry the hub's own message. */
export function consoleHub(key: string | (() => string) = () => session.key ?? ''): HubClient {
  return new HubClient({
    hub: '',
    key,
    unreachable: (cause) => new Error(navigator.onLine ? `could not reach the hub (${(cause as Error).message}); check that it is running` : OFFLINE_MESSAGE),
  });
}

/** The signed-in console's client. */
export const hub = consoleHub();

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
