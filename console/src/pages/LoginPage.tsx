import { useState, type FormEvent } from 'react';
import { Navigate, useSearchParams } from 'react-router-dom';
import { ApiError } from '../lib/api';
import { safeNext } from '../lib/safe-next';
import { useSession } from '../lib/session';
import { useTitle } from '../lib/title';
import { Alert, Loading } from '../components/ui';

/** Staff sign-in; afterwards back to the page that asked for it. */
export function LoginPage() {
  useTitle('Sign in');
  const { session, signIn, expired } = useSession();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  if (session === undefined) return <Loading label="Checking your session…" />;
  if (session) return <Navigate to={next} replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!email.trim() || !password) {
      setError('Enter your email address and password.');
      return;
    }
    setBusy(true);
    setError('');
    try {
      await signIn(email.trim(), password);
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) setError(err.detail || 'Too many sign-in attempts. Try again later.');
      else if (err instanceof ApiError && err.status === 401) setError('The email address or password is not right.');
      else setError(err instanceof Error ? err.message : 'Signing in failed.');
      setBusy(false);
    }
  }

  return (
    <div className="login-wrap">
      <main className="login-card" id="main">
        <div className="login-brand" aria-hidden="true">
          <span className="brand-mark">F</span>
          <span className="brand-name">FLOW</span>
        </div>
        <h1>Sign in to FLOW</h1>
        <p className="muted">Staff console for your leisure centre.</p>
        {expired && !error && <Alert tone="warning" title="Your session has ended">Sign in again to carry on where you were.</Alert>}
        {error && <Alert tone="error">{error}</Alert>}
        <form onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor="login-email">Email address</label>
            <input id="login-email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} autoFocus required />
          </div>
          <div className="field">
            <label htmlFor="login-password">Password</label>
            <input id="login-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
          </div>
          <button type="submit" className="button button-primary button-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </main>
    </div>
  );
}
