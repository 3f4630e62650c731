import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, ApiError } from '../lib/api';
import { formatDate, formatDateTime, timeAgo } from '../lib/dates';
import { useSession, useStaff } from '../lib/session';
import { useTitle } from '../lib/title';
import { useGet } from '../lib/use-api';
import { checkColour, checkIps, checkOrigins, checkReference, lines, mapServerErrors } from '../lib/validate';
import type { ApiKey, ApiKeyWithSecret, FieldErrors, UsageDay } from '../lib/types';
import { CheckoutPreview } from '../checkout-preview/CheckoutPreview';
import { normaliseHex } from '../checkout-preview/colour';
import { Alert, FieldError, KEYS_PATH, KeysBreadcrumbs, Loading, StatusBadge } from '../components/ui';
import { AuditList } from '../components/AuditList';
import { Dialog } from '../components/Dialog';
import { ErrorSummary } from '../components/ErrorSummary';
import { SecretDialog } from '../components/SecretDialog';
import { ThemeFields, type ThemeDraft } from '../components/ThemeFields';
import { UsageChart } from '../components/UsageChart';
import { AllowlistFields } from './CreateKeyPage';

/** One key: every field, permissions, theme, usage, audit trail; edit, roll and revoke for admins. */
export function KeyDetailPage() {
  const { id = '' } = useParams();
  const { isAdmin } = useSession();
  const { staff } = useStaff();
  const tz = staff.environment.timeZone;
  const key = useGet<ApiKey>(`/admin/v1/api-keys/${encodeURIComponent(id)}`);
  const usage = useGet<{ days: UsageDay[] }>(`/admin/v1/api-keys/${encodeURIComponent(id)}/usage?days=30`);
  const [mode, setMode] = useState<'view' | 'edit'>('view');
  const [dialog, setDialog] = useState<'' | 'revoke' | 'roll'>('');
  const [secret, setSecret] = useState<ApiKeyWithSecret | null>(null);
  const [notice, setNotice] = useState('');
  const [auditTick, setAuditTick] = useState(0);
  useTitle(key.data ? key.data.reference : 'API key');

  const crumbs = (
    <KeysBreadcrumbs current={key.data?.reference ?? 'Key'} />
  );

  if (key.error) {
    return (
      <div className="page">
        {crumbs}
        <Alert tone="error" title={key.error.status === 404 ? 'No such key' : 'The key could not be loaded'}>
          {key.error.status === 404 ? 'This key does not exist in your environment.' : key.error.message} <Link to={KEYS_PATH}>Back to FLOW API Keys</Link>.
        </Alert>
      </div>
    );
  }
  if (!key.data) return <Loading label="Loading the key…" />;
  const k = key.data;
  const revoked = k.status === 'revoked';
  const changed = (next: ApiKey, message: string) => {
    key.setData(next);
    setNotice(message);
    setAuditTick((n) => n + 1);
  };
  const graceLive = k.previousSecretExpiresAt && new Date(k.previousSecretExpiresAt).getTime() > Date.now();

  return (
    <div className="page">
      {crumbs}
      <div className="page-header">
        <div>
          <p className="eyebrow">FLOW API Key</p>
          <h1 className="title-with-badge">
            <span>{k.reference}</span> <StatusBadge status={k.status} />
          </h1>
          <p className="intro">
            <code className="key-preview">{k.preview}</code> · {k.purposeLabel}
          </p>
        </div>
        {isAdmin && !revoked && mode === 'view' && (
          <div className="page-actions">
            <button type="button" className="button button-secondary" onClick={() => setMode('edit')}>
              Edit
            </button>
            <button type="button" className="button button-secondary" onClick={() => setDialog('roll')}>
              Roll key
            </button>
            <button type="button" className="button button-danger" onClick={() => setDialog('revoke')}>
              Revoke
            </button>
          </div>
        )}
      </div>
      {notice && (
        <Alert tone="success">
          {notice}{' '}
          <button type="button" className="link-button" onClick={() => setNotice('')}>
            Dismiss
          </button>
        </Alert>
      )}
      {revoked && <Alert tone="warning" title="This key is revoked">It stopped working on {formatDateTime(k.revokedAt, tz)} and cannot be used again.</Alert>}

      {mode === 'edit' ? (
        <EditKey
          apiKey={k}
          operatorName={staff.environment.name}
          onCancel={() => setMode('view')}
          onSaved={(next) => {
            setMode('view');
            changed(next, 'Your changes were saved.');
          }}
        />
      ) : (
        <div className="detail-grid">
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

          <section className="card" aria-labelledby="sec-perms">
            <h2 id="sec-perms" className="section-heading">
              Permissions
            </h2>
            <p className="muted">Granted by the purpose {k.purposeLabel}.</p>
            <ul className="perm-list perm-list-block" aria-label="Permissions">
              {k.permissions.map((p) => (
                <li key={p}>
                  <code className="perm">{p}</code>
                </li>
              ))}
            </ul>
          </section>

          <section className="card" aria-labelledby="sec-theme">
            <h2 id="sec-theme" className="section-heading">
              Checkout theme
            </h2>
            <CheckoutPreview logoUrl={k.theme.logoUrl} primaryColour={k.theme.primaryColour} secondaryColour={k.theme.secondaryColour} operatorName={staff.environment.name} />
            <dl className="facts facts-compact">
              <div>
                <dt>Logo</dt>
                <dd>{k.theme.logoUrl ? 'Uploaded' : 'None'}</dd>
              </div>
              <div>
                <dt>Primary colour</dt>
                <dd>{k.theme.primaryColour ? <ColourValue hex={k.theme.primaryColour} /> : 'FLOW default'}</dd>
              </div>
              <div>
                <dt>Secondary colour</dt>
                <dd>{k.theme.secondaryColour ? <ColourValue hex={k.theme.secondaryColour} /> : 'FLOW default'}</dd>
              </div>
            </dl>
          </section>

          <section className="card card-wide" aria-labelledby="sec-usage">
            <h2 id="sec-usage" className="section-heading">
              Usage, last 30 days
            </h2>
            {usage.error && <Alert tone="error">{usage.error.message}</Alert>}
            {usage.data ? <UsageChart days={usage.data.days} /> : !usage.error && <Loading label="Loading usage…" />}
          </section>

          <section className="card card-wide" aria-labelledby="sec-audit">
            <h2 id="sec-audit" className="section-heading">
              Audit trail
            </h2>
            <AuditList targetId={k.id} timeZone={tz} refreshKey={auditTick} />
          </section>
        </div>
      )}

      {dialog === 'revoke' && (
        <RevokeDialog
          apiKey={k}
          onClose={() => setDialog('')}
          onRevoked={(next) => {
            setDialog('');
            changed(next, `The key “${next.reference}” was revoked. Integrations using it can no longer connect.`);
          }}
        />
      )}
      {dialog === 'roll' && (
        <RollDialog
          apiKey={k}
          onClose={() => setDialog('')}
          onRolled={(next) => {
            setDialog('');
            setSecret(next);
            const { key: _secret, ...view } = next;
            changed(view, 'The key was rolled. Give the new key to the integration.');
          }}
        />
      )}
      {secret && <SecretDialog secret={secret.key} reference={secret.reference} title="Your new API key" onDone={() => setSecret(null)} />}
    </div>
  );
}

function ListOf({ items }: { items: string[] }) {
  return (
    <ul className="plain-list">
      {items.map((i) => (
        <li key={i}>
          <code>{i}</code>
        </li>
      ))}
    </ul>
  );
}

function ColourValue({ hex }: { hex: string }) {
  return (
    <span className="colour-value">
      <span className="colour-dot" style={{ background: hex }} aria-hidden="true" />
      <code>{hex}</code>
    </span>
  );
}

/** Revoking is for good: the reference must be typed to confirm. */
function RevokeDialog({ apiKey, onClose, onRevoked }: { apiKey: ApiKey; onClose: () => void; onRevoked: (k: ApiKey) => void }) {
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const matches = typed.trim() === apiKey.reference;
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!matches) {
      setError(`Type the reference “${apiKey.reference}” exactly to confirm.`);
      return;
    }
    setBusy(true);
    try {
      onRevoked(await api<ApiKey>('POST', `/admin/v1/api-keys/${encodeURIComponent(apiKey.id)}/revoke`));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      setBusy(false);
    }
  }
  return (
    <Dialog title="Revoke this key?" onClose={onClose} tone="danger" description="Integrations using this key stop working at once. This cannot be undone.">
      <form onSubmit={submit} noValidate>
        <div className={`field${error ? ' has-error' : ''}`}>
          <label htmlFor="revoke-confirm">
            Type <strong className="nowrap">{apiKey.reference}</strong> to confirm
          </label>
          <input
            id="revoke-confirm"
            type="text"
            autoComplete="off"
            data-autofocus
            value={typed}
            aria-invalid={!!error}
            aria-describedby={error ? 'revoke-confirm-error' : undefined}
            onChange={(e) => {
              setTyped(e.target.value);
              setError('');
            }}
          />
          <FieldError id="revoke-confirm-error" message={error} />
        </div>
        <div className="dialog-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-danger" disabled={!matches || busy}>
            {busy ? 'Revoking…' : 'Revoke key'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

const GRACE = [
  { seconds: 0, label: 'Now', hint: 'The current key stops working immediately.' },
  { seconds: 3600, label: '1 hour', hint: 'The current key keeps working for 1 hour.' },
  { seconds: 86400, label: '24 hours', hint: 'The current key keeps working for 24 hours.' },
  { seconds: 604800, label: '7 days', hint: 'The current key keeps working for 7 days.' },
];

/** Roll: issue a new secret; the old one keeps working for the chosen grace period. */
function RollDialog({ apiKey, onClose, onRolled }: { apiKey: ApiKey; onClose: () => void; onRolled: (k: ApiKeyWithSecret) => void }) {
  const [grace, setGrace] = useState(3600);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      onRolled(await api<ApiKeyWithSecret>('POST', `/admin/v1/api-keys/${encodeURIComponent(apiKey.id)}/roll`, { graceSeconds: grace }));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      setBusy(false);
    }
  }
  return (
    <Dialog title="Roll this key" onClose={onClose} description={`A new secret is issued for “${apiKey.reference}”. Its purpose, expiry and theme stay the same.`}>
      <form onSubmit={submit} noValidate>
        <fieldset className="field">
          <legend>When should the current key stop working?</legend>
          <div className="radio-list">
            {GRACE.map((g) => (
              <label key={g.seconds} className="radio-row" htmlFor={`grace-${g.seconds}`}>
                <input type="radio" name="grace" id={`grace-${g.seconds}`} checked={grace === g.seconds} onChange={() => setGrace(g.seconds)} data-autofocus={grace === g.seconds ? '' : undefined} />
                <span>
                  <strong>{g.label}</strong> <span className="muted">– {g.hint}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        {error && <Alert tone="error">{error}</Alert>}
        <div className="dialog-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Rolling…' : 'Roll key'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Edit reference, theme and allowlists; the same checks as creating. */
function EditKey({ apiKey, operatorName, onCancel, onSaved }: { apiKey: ApiKey; operatorName: string; onCancel: () => void; onSaved: (k: ApiKey) => void }) {
  const [reference, setReference] = useState(apiKey.reference);
  const [theme, setTheme] = useState<ThemeDraft>({
    logoId: apiKey.theme.logoId,
    logoUrl: apiKey.theme.logoUrl,
    primaryColour: apiKey.theme.primaryColour ?? '',
    secondaryColour: apiKey.theme.secondaryColour ?? '',
  });
  const [ips, setIps] = useState(apiKey.allowedIps.join('\n'));
  const [origins, setOrigins] = useState(apiKey.allowedRedirectOrigins.join('\n'));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [summaryAt, setSummaryAt] = useState(0);
  const [busy, setBusy] = useState(false);
  const [uploading, setUploading] = useState(false);
  const [failure, setFailure] = useState('');
  const setError = (path: string, m: string | undefined) => setErrors((e) => ({ ...e, [path]: m ?? '' }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy || uploading) return;
    const found: FieldErrors = {};
    const add = (p: string, m: string | undefined) => m && (found[p] = m);
    add('reference', checkReference(reference));
    add('theme.primaryColour', checkColour(theme.primaryColour));
    add('theme.secondaryColour', checkColour(theme.secondaryColour));
    add('allowedIps', checkIps(ips));
    add('allowedRedirectOrigins', checkOrigins(origins));
    if (Object.keys(found).length) {
      setErrors(found);
      setSummaryAt(Date.now());
      return;
    }
    setBusy(true);
    setFailure('');
    try {
      const next = await api<ApiKey>('PATCH', `/admin/v1/api-keys/${encodeURIComponent(apiKey.id)}`, {
        reference: reference.trim(),
        theme: {
          logoId: theme.logoId,
          primaryColour: theme.primaryColour ? (normaliseHex(theme.primaryColour) ?? theme.primaryColour) : null,
          secondaryColour: theme.secondaryColour ? (normaliseHex(theme.secondaryColour) ?? theme.secondaryColour) : null,
        },
        allowedIps: lines(ips),
        allowedRedirectOrigins: lines(origins),
      });
      onSaved(next);
    } catch (err) {
      if (err instanceof ApiError && err.errors.length) {
        setErrors(mapServerErrors(err.errors));
        setSummaryAt(Date.now());
      } else setFailure(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate className="key-form" aria-label="Edit key">
      <ErrorSummary errors={errors} shownAt={summaryAt} />
      {failure && <Alert tone="error" title="The changes were not saved">{failure}</Alert>}
      <section className="card form-section" aria-labelledby="edit-details">
        <h2 id="edit-details" className="section-heading">
          Edit key
        </h2>
        <div className={`field${errors.reference ? ' has-error' : ''}`}>
          <label htmlFor="key-reference">Reference</label>
          <input
            id="key-reference"
            type="text"
            value={reference}
            maxLength={200}
            autoFocus
            aria-invalid={!!errors.reference}
            aria-describedby={errors.reference ? 'key-reference-error' : undefined}
            onChange={(e) => {
              setReference(e.target.value);
              if (errors.reference) setError('reference', undefined);
            }}
          />
          <FieldError id="key-reference-error" message={errors.reference} />
        </div>
        <p className="muted small">The purpose and expiry date cannot be changed: create a new key instead.</p>
      </section>
      <section className="card form-section" aria-labelledby="edit-theme">
        <h2 id="edit-theme" className="section-heading">
          Third-Party Checkout Theme Settings
        </h2>
        <ThemeFields value={theme} onChange={setTheme} errors={errors} setError={setError} operatorName={operatorName} onBusy={setUploading} />
      </section>
      <section className="card form-section" aria-labelledby="edit-advanced">
        <h2 id="edit-advanced" className="section-heading">
          Advanced
        </h2>
        <AllowlistFields ips={ips} setIps={setIps} origins={origins} setOrigins={setOrigins} errors={errors} setError={setError} />
      </section>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy || uploading}>
          {busy ? 'Saving…' : 'Save changes'}
        </button>
        <button type="button" className="button button-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
