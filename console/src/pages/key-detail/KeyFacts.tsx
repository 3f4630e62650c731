import { formatDate, formatDateTime, timeAgo } from '../../lib/dates';
import type { ApiKey } from '../../lib/types';
import { StatusBadge } from '../../components/ui';
import { ListOf } from './ListOf';

/** Every field of the key: reference, preview, purpose, status, dates, allowlists and rate limit. */
export function KeyFacts({ apiKey: k, timeZone: tz }: { apiKey: ApiKey; timeZone: string }) {
  const graceLive = k.previousSecretExpiresAt && new Date(k.previousSecretExpiresAt).getTime() > Date.now();
  return (
    <section className="card" aria-labelledby="sec-key">
      <h2 id="sec-key" className="section-heading">
        Details
      </h2>
      <dl className="facts">
        <div>
          <dt>Reference</dt>
          <dd>{k.reference}</dd>
        </div>
        <div>
          <dt>Key</dt>
          <dd>
            <code className="key-preview">{k.preview}</code>
            <span className="cell-sub">The full key was shown once, when it was created or last rolled.</span>
          </dd>
        </div>
        <div>
          <dt>Purpose</dt>
          <dd>{k.purposeLabel}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={k.status} />
          </dd>
        </div>
        <div>
          <dt>Expires</dt>
          <dd>
            {formatDate(k.expiresOn)}
            <span className="cell-sub">Works until the end of that day ({tz})</span>
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            {formatDateTime(k.createdAt, tz)}
            {k.createdBy && <span className="cell-sub">by {k.createdBy.name || k.createdBy.email}</span>}
          </dd>
        </div>
        <div>
          <dt>Last used</dt>
          <dd>
            {timeAgo(k.lastUsedAt)}
            {k.lastUsedAt && <span className="cell-sub">{formatDateTime(k.lastUsedAt, tz)}</span>}
          </dd>
        </div>
        <div>
          <dt>Last changed</dt>
          <dd>{formatDateTime(k.updatedAt, tz)}</dd>
        </div>
        {k.revokedAt && (
          <div>
            <dt>Revoked</dt>
            <dd>{formatDateTime(k.revokedAt, tz)}</dd>
          </div>
        )}
        {graceLive && (
          <div>
            <dt>Previous secret</dt>
            <dd>Still works until {formatDateTime(k.previousSecretExpiresAt, tz)}</dd>
          </div>
        )}
        <div>
          <dt>Allowed IP addresses</dt>
          <dd>{k.allowedIps.length ? <ListOf items={k.allowedIps} /> : 'Any address'}</dd>
        </div>
        <div>
          <dt>Allowed redirect origins</dt>
          <dd>{k.allowedRedirectOrigins.length ? <ListOf items={k.allowedRedirectOrigins} /> : 'Any https origin'}</dd>
        </div>
        <div>
          <dt>Rate limit</dt>
          <dd>{k.rateLimitPerMinute ? `${k.rateLimitPerMinute.toLocaleString('en-GB')} requests a minute` : 'Standard'}</dd>
        </div>
      </dl>
    </section>
  );
}
