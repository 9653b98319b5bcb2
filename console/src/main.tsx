import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './style.css';
import { consoleHub, onSignedOutByHub, session } from './hub';
import { IdentityContext, type Identity } from './identity';
import { InvitePage } from './pages/invite';
import { SignIn } from './pages/sign-in';
import { navigate, useLocation } from './router';
import { Shell } from './shell';
import { getSession, type SessionReply } from './teams-client';

type Auth = Identity | { kind: 'out'; notice?: string } | { kind: 'checking' };

const initialAuth = (): Auth => (session.key ? { kind: 'key' } : session.person ? { kind: 'checking' } : { kind: 'out' });

function App() {
  const loc = useLocation();
  const [auth, setAuth] = useState<Auth>(initialAuth);

  const signOut = (notice?: string) => {
    session.signOut();
    session.setPerson(false);
    setAuth({ kind: 'out', notice });
  };
  const signedInAs = (reply: SessionReply) => {
    session.signOut(); // a person's cookie replaces any key in this tab
    session.setPerson(true);
    setAuth({ kind: 'person', session: reply });
  };

  useEffect(() => onSignedOutByHub(() => signOut('Your sign-in has ended (signed out, removed from the project, or the key was revoked): sign in again.')), []);
  useEffect(() => {
    if (auth.kind !== 'checking') return;
    getSession(consoleHub('')).then(signedInAs, (e: Error & { status?: number }) => {
      if (e.status === 401) signOut();
      else setAuth({ kind: 'out', notice: `Could not check your session: ${e.message}` });
    });
  }, [auth.kind]);

  const invite = /^\/invite\/([^/]+)$/.exec(loc.path);
  if (invite)
    return (
      <InvitePage
        token={decodeURIComponent(invite[1]!)}
        onSignedIn={(reply) => {
          signedInAs(reply);
          navigate('/', { replace: true });
        }}
      />
    );
  if (auth.kind === 'checking')
    return (
      <main class="narrow">
        <p class="muted" aria-live="polite">Checking your session…</p>
      </main>
    );
  if (auth.kind === 'out')
    return (
      <SignIn
        notice={auth.notice}
        onKey={(k) => {
          session.signIn(k);
          setAuth({ kind: 'key' });
        }}
        onPerson={signedInAs}
      />
    );
  return (
    <IdentityContext.Provider value={auth}>
      <Shell key={auth.kind === 'person' ? `${auth.session.user.id}/${auth.session.project.id}` : 'key'} onSignedOut={signOut} onSession={signedInAs} />
    </IdentityContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);

// The app shell is cached by a service worker so the console reloads offline (DESIGN §10); API calls never are.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  addEventListener('load', () => navigator.serviceWorker.register('/console-sw.js').catch((e: Error) => console.warn(`console offline cache: ${e.message}`)));
}
