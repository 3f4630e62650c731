import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../lib/api';
import { checkColour, checkIps, checkOrigins, checkReference, lines, mapServerErrors } from '../../lib/validate';
import type { ApiKey, FieldErrors } from '../../lib/types';
import { normaliseHex } from '../../checkout-preview/colour';
import { Alert, FieldError } from '../../components/ui';
import { ErrorSummary } from '../../components/ErrorSummary';
import { ThemeFields, type ThemeDraft } from '../../components/ThemeFields';
import { AllowlistFields } from '../CreateKeyPage';

/** Edit reference, theme and allowlists; the same checks as creating. */
export function EditKey({ apiKey, operatorName, onCancel, onSaved }: { apiKey: ApiKey; operatorName: string; onCancel: () => void; onSaved: (k: ApiKey) => void }) {
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
