import { useEffect, useState } from 'preact/hooks';
import { consoleHub } from '../hub';
import { useLoad } from '../components/use-load';
import { formatTime } from '../format';
import { acceptInvitation, getInvitation, type InvitationPreview, type SessionReply } from '../teams-client';

/** No key and no cookie: whoever holds the link may open it, and the token is what the hub checks. */
const publicHub = consoleHub('');
const MIN_PASSWORD = 8;

function AcceptForm({ token, info, onSignedIn }: { token: string; info: InvitationPreview; onSignedIn: (session: SessionReply) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: Event) {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const password = String(data.get('password'));
    if (!info.accountExists && password !== String(data.get('confirm'))) return setError('The two passwords differ: type the same password twice.');
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await acceptInvitation(publicHub, token, info.accountExists ? { password } : { name: String(data.get('name')).trim(), password }));
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} class="card" aria-labelledby="accept-title">
      <h2 id="accept-title">{info.accountExists ? 'Join with your account' : 'Create your account'}</h2>
      {info.accountExists ? (
        <p class="small">You already have an account for {info.email}: enter its password to join this project.</p>
      ) : (
        <>
          <label for="name">Your name</label>
          <input id="name" name="name" autocomplete="name" required maxLength={100} />
        </>
      )}
      <label for="password">{info.accountExists ? 'Password' : 'Choose a password'}</label>
      <input
        id="password"
        name="password"
        type="password"
        autocomplete={info.accountExists ? 'current-password' : 'new-password'}
        required
        minLength={info.accountExists ? undefined : MIN_PASSWORD}
        aria-describedby={info.accountExists ? undefined : 'password-help'}
      />
      {!info.accountExists && (
        <>
          <p id="password-help" class="hint small">At least {MIN_PASSWORD} characters.</p>
          <label for="confirm">Type it again</label>
          <input id="confirm" name="confirm" type="password" autocomplete="new-password" required />
        </>
      )}
      <button type="submit" disabled={busy}>{busy ? 'Joining…' : `Join ${info.project.name}`}</button>
      {error && <p role="alert" class="error">{error}</p>}
    </form>
  );
}

/** `/invite/{token}`: what the invitation is for, and a form to set a password; used or expired links show the hub's reason. */
export function InvitePage({ token, onSignedIn }: { token: string; onSignedIn: (session: SessionReply) => void }) {
  const loaded = useLoad(() => getInvitation(publicHub, token), [token]);
  useEffect(() => {
    document.title = 'Invitation · Outpost';
  }, []);
  const info = loaded.data;
  return (
    <main class="narrow" id="main">
      <h1>Join a project on Outpost</h1>
      {!info ? (
        loaded.error ? (
          <div class="card">
            <p role="alert" class="error">{loaded.error}</p>
            <p class="small">Ask an admin of the project for a new invitation.</p>
          </div>
        ) : (
          <p class="muted" aria-live="polite">Loading the invitation…</p>
        )
      ) : (
        <>
          <section class="card" aria-label="The invitation">
            <dl class="facts">
              <dt>Project</dt>
              <dd>{info.project.name}</dd>
              <dt>Email</dt>
              <dd>{info.email}</dd>
              <dt>Role</dt>
              <dd>{info.role}</dd>
              <dt>Expires</dt>
              <dd>{formatTime(Date.parse(info.expiresAt))}</dd>
            </dl>
          </section>
          <AcceptForm token={token} info={info} onSignedIn={onSignedIn} />
        </>
      )}
    </main>
  );
}
