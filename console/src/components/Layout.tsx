import { useState } from 'react';
import { Link, NavLink, Outlet } from 'react-router-dom';
import { useSession, useStaff } from '../lib/session';

/** Signed-in frame: brand bar with the environment, the main navigation and the signed-in user. */
export function Layout() {
  const { staff } = useStaff();
  const { signOut } = useSession();
  const [busy, setBusy] = useState(false);
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to="/" className="brand" aria-label="FLOW home">
            <span className="brand-mark" aria-hidden="true">
              F
            </span>
            <span className="brand-name">FLOW</span>
          </Link>
          <span className="env-chip" title="Environment">
            {staff.environment.name}
          </span>
          <nav aria-label="Main" className="mainnav">
            <NavLink to="/" end>
              Home
            </NavLink>
            <NavLink to="/system-configuration">System Configuration</NavLink>
            <NavLink to="/audit-log">Audit log</NavLink>
          </nav>
          <div className="user">
            <span className="user-name" title={staff.email}>
              {staff.name || staff.email}
              <span className="user-role">{staff.role === 'admin' ? 'Administrator' : 'Staff'}</span>
            </span>
            <button
              type="button"
              className="button button-ghost button-small"
              disabled={busy}
              onClick={async () => {
                setBusy(true);
                // Signed out, the session guard sends the user to the login page.
                await signOut();
              }}
            >
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
