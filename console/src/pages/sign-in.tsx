import { useState } from 'preact/hooks';
import { getProject } from '../../../shared/client/projects';
import { consoleHub } from '../hub';

/** A plain form: the console sends no request until the user submits a key. */
export function SignIn({ onSignedIn }: { onSignedIn: (key: string) => void }) {
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
      onSignedIn(key);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <main class="narrow">
      <h1>Outpost</h1>
      <p>Models at the edge: registry, runs and device telemetry for your team.</p>
      <form onSubmit={submit} class="card">
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="current-password" placeholder="sk_…" required />
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
        {error && <p role="alert" class="error">{error}</p>}
      </form>
      <p class="hint">
        The first <code>npm start</code> prints <code>admin key: sk_…</code>. Keep it: the hub stores only its hash.
      </p>
    </main>
  );
}
