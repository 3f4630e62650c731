import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, setCsrfToken, setUnauthenticatedHandler } from './api';
import type { Session } from './types';

/** Set while signed in, so a fresh load does not ask the server (and log a 401) when nobody is. */
const HINT = 'flow.console.signedIn';

interface SessionState {
  /** undefined while checking, null when signed out. */
  session: Session | null | undefined;
  /** True when the last session ended because it expired (not by signing out). */
  expired: boolean;
  /** True right after the user signed out (the login page then forgets where they were). */
  signedOut: boolean;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  isAdmin: boolean;
}

const Ctx = createContext<SessionState | null>(null);

function readHint(): boolean {
  try {
    return localStorage.getItem(HINT) === '1';
  } catch {
    return false;
  }
}

function writeHint(on: boolean): void {
  try {
    if (on) localStorage.setItem(HINT, '1');
    else localStorage.removeItem(HINT);
  } catch {
    // Storage may be disabled; the console then simply checks with the server each load.
  }
}

/** Holds the staff session; a 401 from any call signs the console out and marks the session expired. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null | undefined>(() => (readHint() ? undefined : null));
  const [expired, setExpired] = useState(false);
  const [signedOut, setSignedOut] = useState(false);

  const apply = useCallback((s: Session | null) => {
    setCsrfToken(s?.csrfToken ?? '');
    writeHint(!!s);
    setSession(s);
  }, []);

  useEffect(() => {
    setUnauthenticatedHandler(() => {
      setExpired(true);
      apply(null);
    });
    if (!readHint()) return;
    let live = true;
    api<Session>('GET', '/admin/v1/session', undefined, { quiet401: true })
      .then((s) => live && apply(s))
      .catch(() => {
        if (!live) return;
        setExpired(true);
        apply(null);
      });
    return () => {
      live = false;
    };
  }, [apply]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      const s = await api<Session>('POST', '/admin/v1/session', { email, password }, { quiet401: true });
      setExpired(false);
      setSignedOut(false);
      apply(s);
    },
    [apply],
  );

  const signOut = useCallback(async () => {
    try {
      await api('DELETE', '/admin/v1/session', undefined, { quiet401: true });
    } catch {
      // Already gone on the server: signing out locally is all that is left.
    }
    setExpired(false);
    setSignedOut(true);
    apply(null);
  }, [apply]);

  const value = useMemo<SessionState>(
    () => ({ session, expired, signedOut, signIn, signOut, isAdmin: session?.staff.role === 'admin' }),
    [session, expired, signedOut, signIn, signOut],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

/** The current session state (inside SessionProvider). */
export function useSession(): SessionState {
  const v = useContext(Ctx);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}

/** The signed-in session (only under a route that requires one). */
export function useStaff(): Session {
  const { session } = useSession();
  if (!session) throw new Error('useStaff without a session');
  return session;
}
