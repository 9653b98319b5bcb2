import { useState } from 'preact/hooks';
import { getProject } from '../../../shared/client/projects';
import { replyError } from '../../../shared/client/hub-client';
import { consoleHub } from '../hub';
import type { SessionReply } from '../teams-client';

/** The hub's refusal of a password; a rate limit says when to try again (the hub's Retry-After, if its message does not). */
async function signInWithPassword(email: string, password: string): Promise<SessionReply> {
  const res = await consoleHub('').fetch('/v1/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (res.ok) return (await res.json()) as SessionReply;
  const retryAfter = res.headers.get('retry-after');
  const error = await replyError(res, 'POST', '/v1/session');
  if (res.status === 429 && retryAfter && !/retry|try again/i.test(error.message)) error.message += `; try again in ${retryAfter} s`;
  throw error;
}

function PasswordForm({ onPerson }: { onPerson: (session: SessionReply) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: Event) {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      onPerson(await signInWithPassword(String(data.get('email')).trim(), String(data.get('password'))));
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} class="card" aria-labelledby="password-title">
      <h2 id="password-title">Sign in</h2>
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="username" required />
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
      <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      {error && <p role="alert" class="error">{error}</p>}
    </form>
  );
}

/** A key, for the bootstrap admin and machines: checked against the hub, then kept for this tab only. */
function KeyForm({ onKey }: { onKey: (key: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: Event) {
    event.preventDefault();
    const key = String(new FormData(event.currentTarget as HTMLFormElement).get('key') ?? '').trim();
    if (!key) return setError('Enter a key: sk_… (the hub printed one at first start).');
    setBusy(true);
    setError(null);
    try {
      await getProject(consoleHub(key));
      onKey(key);
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} class="card" aria-labelledby="key-title">
      <h2 id="key-title">Sign in with a key</h2>
      <label for="key">API key</label>
      <input id="key" name="key" type="password" autocomplete="off" placeholder="sk_…" required />
      <button type="submit" class="secondary" disabled={busy}>{busy ? 'Signing in…' : 'Sign in with key'}</button>
      {error && <p role="alert" class="error">{error}</p>}
      <p class="hint small">
        The first <code>npm start</code> prints <code>admin key: sk_…</code>. Keep it: the hub stores only its hash.
      </p>
    </form>
  );
}

/** Plain forms: the console sends no request until someone submits one. */
export function SignIn({ notice, onKey, onPerson }: { notice?: string; onKey: (key: string) => void; onPerson: (session: SessionReply) => void }) {
  return (
    <main class="narrow">
      <h1>Outpost</h1>
      <p>Models at the edge: registry, runs and device telemetry for your team.</p>
      {notice && <p role="status" class="notice">{notice}</p>}
      <PasswordForm onPerson={onPerson} />
      <KeyForm onKey={onKey} />
      <p class="hint small">No account? An admin of your project invites you from the Team page or with <code>outpost team invite EMAIL</code>.</p>
    </main>
  );
}
