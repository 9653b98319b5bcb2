import { useState } from 'preact/hooks';
import { hub } from '../hub';
import { useLoad } from '../components/use-load';
import { createOwner, teamSetup, type SessionReply } from '../teams-client';

const DISMISSED = 'outpost.first-owner-dismissed';

/**
 * Signed in with a key on a hub where nobody has an account yet: offer to make the first owner (an admin key may;
 * another key gets the hub's refusal), who is then signed in instead of the key.
 */
export function FirstOwner({ onSession }: { onSession: (session: SessionReply) => void }) {
  const setup = useLoad(() => teamSetup(hub).catch(() => ({ needsOwner: false })), []);
  const [dismissed, setDismissed] = useState(() => sessionStorage.getItem(DISMISSED) === '1');
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!setup.data?.needsOwner || dismissed) return null;

  async function submit(event: Event) {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const password = String(data.get('password'));
    if (password !== String(data.get('confirm'))) return setError('The two passwords differ: type the same password twice.');
    setBusy(true);
    setError(null);
    try {
      onSession(await createOwner(hub, { name: String(data.get('name')).trim(), email: String(data.get('email')).trim(), password }));
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  }

  return (
    <section class="first-owner" aria-labelledby="first-owner-title">
      <h2 id="first-owner-title">Nobody has an account on this hub yet</h2>
      {!open ? (
        <p>
          Keys are for machines. Create the first owner account (you), then invite your team from the Team page.{' '}
          <button type="button" onClick={() => setOpen(true)}>Create the owner account</button>{' '}
          <button
            type="button"
            class="secondary"
            onClick={() => {
              sessionStorage.setItem(DISMISSED, '1');
              setDismissed(true);
            }}
          >
            Not now
          </button>
        </p>
      ) : (
        <form onSubmit={submit} class="owner-form">
          <label class="stack">
            Name <input name="name" autocomplete="name" required maxLength={100} />
          </label>
          <label class="stack">
            Email <input name="email" type="email" autocomplete="username" required />
          </label>
          <label class="stack">
            Password <input name="password" type="password" autocomplete="new-password" required minLength={8} />
          </label>
          <label class="stack">
            Password again <input name="confirm" type="password" autocomplete="new-password" required />
          </label>
          <div class="actions">
            <button type="button" class="secondary" onClick={() => setOpen(false)}>Cancel</button>
            <button type="submit" disabled={busy}>{busy ? 'Creating…' : 'Create and sign in'}</button>
          </div>
          {error && <p role="alert" class="error">{error}</p>}
        </form>
      )}
    </section>
  );
}
