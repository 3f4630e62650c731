import { Link } from 'react-router-dom';
import { useStaff } from '../lib/session';
import { useTitle } from '../lib/title';
import { ExpiringKeysNotice } from '../components/ExpiringKeysNotice';

/** Home: the modules this console offers. */
export function HomePage() {
  useTitle('Home');
  const { staff } = useStaff();
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Home</h1>
          <p className="intro">
            Welcome, {staff.name || staff.email}. You are working in <strong>{staff.environment.name}</strong>.
          </p>
        </div>
      </div>
      <ExpiringKeysNotice timeZone={staff.environment.timeZone} />
      <h2 className="section-title">Modules</h2>
      <ul className="tiles" aria-label="Modules">
        <li>
          <Link to="/system-configuration" className="tile">
            <span className="tile-icon" aria-hidden="true">
              <svg viewBox="0 0 24 24" width="26" height="26">
                <path
                  d="M12 15.5a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7Zm7.4-2.5.1-1-.1-1 2-1.6-2-3.4-2.4 1a7 7 0 0 0-1.7-1L15 3.5h-4L10.6 6a7 7 0 0 0-1.7 1l-2.4-1-2 3.4 2 1.6-.1 1 .1 1-2 1.6 2 3.4 2.4-1a7 7 0 0 0 1.7 1l.4 2.5h4l.4-2.5a7 7 0 0 0 1.7-1l2.4 1 2-3.4-2-1.6Z"
                  fill="none"
                  stroke="currentColor"
                  strokeWidth="1.6"
                  strokeLinejoin="round"
                />
              </svg>
            </span>
            <span className="tile-title">System Configuration</span>
            <span className="tile-text">Integrations, FLOW API Keys and other settings for your environment.</span>
          </Link>
        </li>
        <li>
          <Link to="/audit-log" className="tile">
            <span className="tile-icon" aria-hidden="true">
              <svg viewBox="0 0 24 24" width="26" height="26">
                <path d="M7 3h8l4 4v14H7zM15 3v4h4M10 12h6M10 16h6" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinejoin="round" />
              </svg>
            </span>
            <span className="tile-title">Audit Log</span>
            <span className="tile-text">Who created, changed, rolled or revoked what, and when.</span>
          </Link>
        </li>
        <li>
          <a href="/docs" className="tile">
            <span className="tile-icon" aria-hidden="true">
              <svg viewBox="0 0 24 24" width="26" height="26">
                <path d="M4 5h6a2 2 0 0 1 2 2v13a2 2 0 0 0-2-2H4zM20 5h-6a2 2 0 0 0-2 2v13a2 2 0 0 1 2-2h6z" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinejoin="round" />
              </svg>
            </span>
            <span className="tile-title">API Documentation</span>
            <span className="tile-text">The reference your integrators use with their FLOW API key.</span>
          </a>
        </li>
      </ul>
    </div>
  );
}
