import { Link } from 'react-router-dom';
import { EXPIRING_SOON_DAYS as WINDOW_DAYS } from '../../../src/kernel/rules/expiry.js';
import { daysBetween, formatDate, todayIn } from '../lib/dates';
import { useGet } from '../lib/use-api';
import type { ApiKey } from '../lib/types';
import { Alert, KEYS_PATH } from './ui';

/** "Expires today", "1 day left", "5 days left". */
export function daysLeftLabel(days: number): string {
  if (days <= 0) return 'Expires today';
  return days === 1 ? '1 day left' : `${days} days left`;
}

/**
 * Home's warning about live keys expiring within 14 days (GET /admin/v1/expiring-keys, soonest first).
 * Renders nothing while loading and when there are none, so Home stays quiet until action is needed.
 */
export function ExpiringKeysNotice({ timeZone }: { timeZone: string }) {
  const { data, error } = useGet<{ data: ApiKey[]; nextCursor: string | null; total: number }>('/admin/v1/expiring-keys?limit=10');
  if (error) {
    // Said, not swallowed: silence here would read as "no keys expiring".
    return (
      <Alert tone="warning" title="Could not check for expiring API keys">
        {error.detail} <Link to={`${KEYS_PATH}?status=expiring_soon`}>Open the expiring keys list</Link>
      </Alert>
    );
  }
  if (!data || data.total === 0) return null;
  const today = todayIn(timeZone);
  const more = data.total - data.data.length;
  const title = data.total === 1 ? `1 API key expires within ${WINDOW_DAYS} days` : `${data.total} API keys expire within ${WINDOW_DAYS} days`;
  return (
    <section className="expiry-notice" aria-labelledby="expiry-notice-title">
      <h2 id="expiry-notice-title" className="expiry-notice-title">
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
          <path d="M12 3 2 20h20L12 3Z" fill="currentColor" />
          <path d="M12 9.5v5M12 17v.5" stroke="#fff" strokeWidth="2" strokeLinecap="round" />
        </svg>
        <span>Warning: {title}</span>
      </h2>
      <p className="expiry-notice-text">
        Integrations using these keys stop working at the end of the expiry day. An expiry date cannot be changed (rolling keeps it), so create a replacement key in time and give it to the integrator.
      </p>
      <ul className="expiry-list">
        {data.data.map((k) => {
          const days = daysBetween(today, k.expiresOn);
          return (
            <li key={k.id} className="expiry-item">
              <Link to={`${KEYS_PATH}/${k.id}`} className="strong-link">
                {k.reference}
              </Link>
              <span className="expiry-meta">
                {k.purposeLabel} · expires <time dateTime={k.expiresOn}>{formatDate(k.expiresOn)}</time> ·{' '}
                <strong>{daysLeftLabel(days)}</strong>
              </span>
            </li>
          );
        })}
      </ul>
      <p className="expiry-notice-more">
        <Link to={`${KEYS_PATH}?status=expiring_soon`}>
          {more > 0 ? `View all ${data.total} expiring keys` : 'View expiring keys in the FLOW API Keys list'}
        </Link>
      </p>
    </section>
  );
}
