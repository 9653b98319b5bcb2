import { render } from 'preact';
import { useState } from 'preact/hooks';
import './style.css';
import { session } from './api';
import { Overview } from './pages/overview';
import { SignIn } from './pages/sign-in';

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
    <Overview
      onSignOut={() => {
        session.signOut();
        setKey(null);
      }}
    />
  );
}

render(<App />, document.getElementById('app')!);
