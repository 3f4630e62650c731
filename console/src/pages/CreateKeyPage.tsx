import { useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api, ApiError } from '../lib/api';
import { maxExpiry } from '../../../src/kernel/rules/expiry.js';
import { addDays, addYears, formatDate, todayIn } from '../lib/dates';
import { useSession, useStaff } from '../lib/session';
import { useTitle } from '../lib/title';
import { useGet } from '../lib/use-api';
import { checkColour, checkExpiry, checkIps, checkOrigins, checkReference, lines, mapServerErrors } from '../lib/validate';
import type { ApiKeyWithSecret, FieldErrors, Purposes } from '../lib/types';
import { normaliseHex } from '../checkout-preview/colour';
import { Alert, FieldError, KEYS_PATH, KeysBreadcrumbs, Loading, PageHeader } from '../components/ui';
import { ErrorSummary } from '../components/ErrorSummary';
import { SecretDialog } from '../components/SecretDialog';
import { ThemeFields, type ThemeDraft } from '../components/ThemeFields';

const PRESETS: { label: string; date: (today: string) => string }[] = [
  { label: '30 days', date: (t) => addDays(t, 30) },
  { label: '60 days', date: (t) => addDays(t, 60) },
  { label: '90 days', date: (t) => addDays(t, 90) },
  { label: '1 year', date: (t) => addYears(t, 1) },
];

/** Create New API Key, in the order of the operator's guide. */
export function CreateKeyPage() {
  useTitle('Create New API Key');
  const { isAdmin } = useSession();
  const { staff } = useStaff();
  const navigate = useNavigate();
  const purposes = useGet<Purposes>('/admin/v1/purposes');
  const today = useMemo(() => todayIn(staff.environment.timeZone), [staff.environment.timeZone]);
  const maxDate = maxExpiry(today);

  const [reference, setReference] = useState('');
  const [purpose, setPurpose] = useState('');
  const [expiresOn, setExpiresOn] = useState('');
  const [theme, setTheme] = useState<ThemeDraft>({ logoId: null, logoUrl: null, primaryColour: '', secondaryColour: '' });
  const [ips, setIps] = useState('');
  const [origins, setOrigins] = useState('');
  const [advancedOpen, setAdvancedOpen] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [summaryAt, setSummaryAt] = useState(0);
  const [busy, setBusy] = useState(false);
  const [uploading, setUploading] = useState(false);
  const [failure, setFailure] = useState('');
  const [created, setCreated] = useState<ApiKeyWithSecret | null>(null);

  const setError = (path: string, message: string | undefined) => setErrors((e) => ({ ...e, [path]: message ?? '' }));

  function validate(): FieldErrors {
    const out: FieldErrors = {};
    const add = (path: string, m: string | undefined) => m && (out[path] = m);
    add('reference', checkReference(reference));
    add('purpose', purpose ? undefined : 'Select one of the four purposes.');
    add('expiresOn', checkExpiry(expiresOn, today));
    // A refused logo file set nothing, so it does not hold the form back (the key is made without a logo).
    add('theme.primaryColour', checkColour(theme.primaryColour));
    add('theme.secondaryColour', checkColour(theme.secondaryColour));
    add('allowedIps', checkIps(ips));
    add('allowedRedirectOrigins', checkOrigins(origins));
    return out;
  }

  function show(found: FieldErrors) {
    setErrors(found);
    if (found.allowedIps || found.allowedRedirectOrigins) setAdvancedOpen(true);
    setSummaryAt(Date.now());
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy || uploading) return;
    setFailure('');
    const found = validate();
    if (Object.values(found).some(Boolean)) {
      show(found);
      return;
    }
    setErrors({});
    setBusy(true);
    const themeBody: Record<string, string> = {};
    if (theme.logoId) themeBody.logoId = theme.logoId;
    if (theme.primaryColour) themeBody.primaryColour = normaliseHex(theme.primaryColour) ?? theme.primaryColour;
    if (theme.secondaryColour) themeBody.secondaryColour = normaliseHex(theme.secondaryColour) ?? theme.secondaryColour;
    try {
      const key = await api<ApiKeyWithSecret>('POST', '/admin/v1/api-keys', {
        reference: reference.trim(),
        purpose,
        expiresOn,
        ...(Object.keys(themeBody).length ? { theme: themeBody } : {}),
        ...(lines(ips).length ? { allowedIps: lines(ips) } : {}),
        ...(lines(origins).length ? { allowedRedirectOrigins: lines(origins) } : {}),
      });
      setCreated(key);
    } catch (err) {
      if (err instanceof ApiError && err.errors.length) show(mapServerErrors(err.errors));
      else if (err instanceof ApiError && err.status === 403) setFailure('Only an administrator can create API keys.');
      else if (err instanceof ApiError && err.status !== 401) setFailure(err.message);
    } finally {
      setBusy(false);
    }
  }

  const crumbs = (
    <KeysBreadcrumbs current="Create New API Key" />
  );

  if (!isAdmin) {
    return (
      <div className="page">
        {crumbs}
        <PageHeader title="Create New API Key" />
        <Alert tone="info" title="Administrators only">
          Only an administrator can create API keys. <Link to={KEYS_PATH}>Back to FLOW API Keys</Link>.
        </Alert>
      </div>
    );
  }

  const selected = purposes.data?.purposes.find((p) => p.id === purpose);
  const describe = (id: string, extra?: string) => [extra, errors[id] ? `${FIELD_ID[id]}-error` : ''].filter(Boolean).join(' ') || undefined;

  return (
    <div className="page page-narrow">
      {crumbs}
      <PageHeader title="Create New API Key" intro="A key identifies your FLOW environment to one third-party system and grants exactly what its purpose needs." />
      <ErrorSummary errors={errors} shownAt={summaryAt} />
      {failure && <Alert tone="error" title="The key was not created">{failure}</Alert>}
      <form onSubmit={submit} noValidate className="key-form" aria-label="Create New API Key">
        <section className="card form-section" aria-labelledby="sec-details">
          <h2 id="sec-details" className="section-heading">
            Key details
          </h2>
          <div className={`field${errors.reference ? ' has-error' : ''}`}>
            <label htmlFor="key-reference">Reference</label>
            <p className="hint" id="key-reference-hint">
              A name to help you identify the key later, e.g. “CoursePro – Main site”.
            </p>
            <input
              id="key-reference"
              type="text"
              value={reference}
              maxLength={200}
              autoFocus
              autoComplete="off"
              aria-invalid={!!errors.reference}
              aria-describedby={describe('reference', 'key-reference-hint')}
              onChange={(e) => {
                setReference(e.target.value);
                if (errors.reference && !checkReference(e.target.value)) setError('reference', undefined);
              }}
              onBlur={() => reference && setError('reference', checkReference(reference))}
            />
            <p className="char-count" aria-hidden="true">
              {reference.trim().length}/100
            </p>
            <FieldError id="key-reference-error" message={errors.reference} />
          </div>

          <fieldset className={`field purpose-fieldset${errors.purpose ? ' has-error' : ''}`} id="purpose-group" aria-describedby={describe('purpose', 'purpose-hint')}>
            <legend>Purpose</legend>
            <p className="hint" id="purpose-hint">
              Select one of the four available purposes. Each grants a fixed set of permissions.
            </p>
            {purposes.loading && <Loading label="Loading purposes…" />}
            {purposes.error && <Alert tone="error">{purposes.error.message}</Alert>}
            <div className="purpose-options">
              {purposes.data?.purposes.map((p) => (
                <label key={p.id} className={`purpose-option${purpose === p.id ? ' is-selected' : ''}`} htmlFor={`purpose-${p.id}`}>
                  <input
                    type="radio"
                    id={`purpose-${p.id}`}
                    name="purpose"
                    value={p.id}
                    checked={purpose === p.id}
                    onChange={() => {
                      setPurpose(p.id);
                      setError('purpose', undefined);
                    }}
                  />
                  <span className="purpose-body">
                    <span className="purpose-line" id={`purpose-${p.id}-desc`}>
                      <span className="purpose-label">{p.label}</span>
                      <span className="purpose-desc">
                        {' '}
                        – {p.description.charAt(0).toLowerCase() + p.description.slice(1)}
                      </span>
                      <span className="visually-hidden"> Grants: {p.permissions.join(', ')}.</span>
                    </span>
                    <span className="perm-list" aria-hidden="true">
                      {p.permissions.map((perm) => (
                        <code key={perm} className="perm">
                          {perm}
                        </code>
                      ))}
                    </span>
                  </span>
                </label>
              ))}
            </div>
            <FieldError id="purpose-group-error" message={errors.purpose} />
            {selected && (
              <p className="muted small" role="status">
                {selected.label} grants {selected.permissions.length} permissions.
              </p>
            )}
          </fieldset>

          <div className={`field${errors.expiresOn ? ' has-error' : ''}`}>
            <label htmlFor="key-expiry">Expiry date</label>
            <p className="hint" id="key-expiry-hint">
              The key works until the end of this day ({staff.environment.timeZone}), at most 2 years ahead.
            </p>
            <div className="preset-row" role="group" aria-label="Expiry presets">
              {PRESETS.map((p) => {
                const d = p.date(today);
                return (
                  <button
                    key={p.label}
                    type="button"
                    className="chip"
                    aria-pressed={expiresOn === d}
                    onClick={() => {
                      setExpiresOn(d);
                      setError('expiresOn', undefined);
                    }}
                  >
                    {p.label}
                  </button>
                );
              })}
            </div>
            <input
              id="key-expiry"
              type="date"
              className="date-input"
              value={expiresOn}
              min={today}
              max={maxDate}
              aria-invalid={!!errors.expiresOn}
              aria-describedby={describe('expiresOn', 'key-expiry-hint')}
              onChange={(e) => {
                setExpiresOn(e.target.value);
                if (errors.expiresOn && !checkExpiry(e.target.value, today)) setError('expiresOn', undefined);
              }}
            />
            {expiresOn && !checkExpiry(expiresOn, today) && <p className="muted small">Expires at the end of {formatDate(expiresOn)}.</p>}
            <FieldError id="key-expiry-error" message={errors.expiresOn} />
          </div>
        </section>

        <section className="card form-section" aria-labelledby="sec-theme">
          <h2 id="sec-theme" className="section-heading">
            Third-Party Checkout Theme Settings <span className="optional">(optional)</span>
          </h2>
          <p className="hint">How the checkout pages this integration sends customers to will look.</p>
          <ThemeFields value={theme} onChange={setTheme} errors={errors} setError={setError} operatorName={staff.environment.name} onBusy={setUploading} />
        </section>

        <details className="card form-section advanced" open={advancedOpen} onToggle={(e) => setAdvancedOpen((e.currentTarget as HTMLDetailsElement).open)}>
          <summary>
            <span className="section-heading">Advanced</span> <span className="optional">(optional) allowed IP addresses and checkout redirect origins</span>
          </summary>
          <AllowlistFields ips={ips} setIps={setIps} origins={origins} setOrigins={setOrigins} errors={errors} setError={setError} />
        </details>

        <div className="form-actions">
          <button type="submit" className="button button-primary button-large" disabled={busy || uploading}>
            {busy ? 'Creating…' : uploading ? 'Waiting for the logo…' : 'Create New API Key'}
          </button>
          <Link to={KEYS_PATH} className="button button-ghost">
            Cancel
          </Link>
        </div>
      </form>
      {created && (
        <SecretDialog
          secret={created.key}
          reference={created.reference}
          title="Your new API key"
          onDone={() => {
            const id = created.id;
            setCreated(null);
            navigate(`${KEYS_PATH}/${id}`, { replace: true });
          }}
        />
      )}
    </div>
  );
}

const FIELD_ID: Record<string, string> = { reference: 'key-reference', purpose: 'purpose-group', expiresOn: 'key-expiry' };

/** The two allowlists, one entry per line; shared by create and edit. */
export function AllowlistFields(props: {
  ips: string;
  setIps: (v: string) => void;
  origins: string;
  setOrigins: (v: string) => void;
  errors: FieldErrors;
  setError: (path: string, m: string | undefined) => void;
}) {
  const { ips, setIps, origins, setOrigins, errors, setError } = props;
  return (
    <div className="advanced-fields">
      <div className={`field${errors.allowedIps ? ' has-error' : ''}`}>
        <label htmlFor="key-ips">Allowed IP addresses</label>
        <p className="hint" id="key-ips-hint">
          One IPv4 or IPv6 address or CIDR block per line, e.g. 203.0.113.0/24. Leave empty to allow any address.
        </p>
        <textarea
          id="key-ips"
          rows={3}
          spellCheck={false}
          value={ips}
          aria-invalid={!!errors.allowedIps}
          aria-describedby={`key-ips-hint${errors.allowedIps ? ' key-ips-error' : ''}`}
          onChange={(e) => {
            setIps(e.target.value);
            if (errors.allowedIps) setError('allowedIps', undefined);
          }}
          onBlur={() => setError('allowedIps', checkIps(ips))}
        />
        <FieldError id="key-ips-error" message={errors.allowedIps} />
      </div>
      <div className={`field${errors.allowedRedirectOrigins ? ' has-error' : ''}`}>
        <label htmlFor="key-origins">Allowed checkout redirect origins</label>
        <p className="hint" id="key-origins-hint">
          One origin per line, e.g. https://app.example.com. Checkout only sends customers back to these. Leave empty to allow any https origin.
        </p>
        <textarea
          id="key-origins"
          rows={3}
          spellCheck={false}
          value={origins}
          aria-invalid={!!errors.allowedRedirectOrigins}
          aria-describedby={`key-origins-hint${errors.allowedRedirectOrigins ? ' key-origins-error' : ''}`}
          onChange={(e) => {
            setOrigins(e.target.value);
            if (errors.allowedRedirectOrigins) setError('allowedRedirectOrigins', undefined);
          }}
          onBlur={() => setError('allowedRedirectOrigins', checkOrigins(origins))}
        />
        <FieldError id="key-origins-error" message={errors.allowedRedirectOrigins} />
      </div>
    </div>
  );
}
