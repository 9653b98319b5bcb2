import { render } from 'preact';
import { useState } from 'preact/hooks';
import './style.css';
import { session } from './hub';
import { SignIn } from './pages/sign-in';
import { Shell } from './shell';

function App() {
  const [key, setKey] = useState(session.key);
  if (!key) {
    return (
      <SignIn
        onSignedIn={(k) => {
          session.signIn(k);
          setKey(k);
        }}
      />
    );
  }
  return (
    <Shell
      onSignOut={() => {
        session.signOut();
        setKey(null);
      }}
    />
  );
}

render(<App />, document.getElementById('app')!);

// The app shell is cached by a service worker so the console reloads offline (DESIGN §10); API calls never are.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  addEventListener('load', () => navigator.serviceWorker.register('/console-sw.js').catch((e: Error) => console.warn(`console offline cache: ${e.message}`)));
}
