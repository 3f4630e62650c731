import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../lib/api';
import type { ApiKey, FieldErrors, WebhookEndpointWithSecret } from '../../lib/types';
import { FieldError } from '../../components/ui';
import { ErrorSummary } from '../../components/ErrorSummary';
import { eventChoices } from './webhook-events';

const FIELD_IDS = { url: 'webhook-url', events: 'webhook-events', description: 'webhook-description' };
const LABELS: Record<string, string> = { url: 'The endpoint URL', events: 'Event types:', description: 'The description' };

/** Checks the client can make before the server does its own (https, address rules, permissions). */
function check(url: string, events: string[]): FieldErrors {
  const errors: FieldErrors = {};
  if (!url.trim()) errors.url = 'Enter the URL that receives the events';
  else if (!/^https?:\/\/\S+$/i.test(url.trim())) errors.url = 'Enter a full URL starting with https://';
  if (events.length === 0) errors.events = 'Choose at least one event type';
  return errors;
}

/** Add an endpoint to the key: URL, the event types its purpose may read, description. */
export function WebhookForm({ apiKey, onCancel, onAdded }: { apiKey: ApiKey; onCancel: () => void; onAdded: (e: WebhookEndpointWithSecret) => void }) {
  const choices = eventChoices(apiKey);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [summaryAt, setSummaryAt] = useState(0);
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState('');

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError('');
    const found = check(url, events);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setSummaryAt(Date.now());
      return;
    }
    setBusy(true);
    try {
      const body = { url: url.trim(), events, ...(description.trim() ? { description: description.trim() } : {}) };
      onAdded(await api<WebhookEndpointWithSecret>('POST', `/admin/v1/api-keys/${encodeURIComponent(apiKey.id)}/webhook-endpoints`, body));
    } catch (err) {
      if (err instanceof ApiError && err.errors.length > 0) {
        const byField: FieldErrors = {};
        for (const fe of err.errors) {
          const field = fe.path.split('.')[0] || 'url';
          // The server's messages are relative to the field ("must start with https://"): name it.
          byField[field] ??= /^[a-z]/.test(fe.message) ? `${LABELS[field] ?? field} ${fe.message}` : fe.message;
        }
        setErrors(byField);
        setSummaryAt(Date.now());
      } else setFormError(err instanceof ApiError ? err.message : String(err));
      setBusy(false);
    }
  }

  const invalid = (field: string) => ({ 'aria-invalid': !!errors[field], 'aria-describedby': errors[field] ? `${FIELD_IDS[field as keyof typeof FIELD_IDS]}-error` : undefined });
  return (
    <form className="form-section webhook-form" onSubmit={submit} noValidate aria-labelledby="webhook-form-title">
      <h3 id="webhook-form-title" className="subheading">
        Add an endpoint
      </h3>
      <ErrorSummary errors={errors} shownAt={summaryAt} fieldIds={FIELD_IDS} />
      {formError && (
        <p className="field-error" role="alert">
          {formError}
        </p>
      )}
      <div className={`field${errors.url ? ' has-error' : ''}`}>
        <label htmlFor="webhook-url">Endpoint URL</label>
        <p className="hint">https:// only. FLOW signs every delivery; the URL must be reachable from the internet.</p>
        <input id="webhook-url" type="text" inputMode="url" spellCheck={false} autoComplete="off" value={url} onChange={(e) => setUrl(e.target.value)} {...invalid('url')} />
        <FieldError id="webhook-url-error" message={errors.url} />
      </div>
      <fieldset className={`field${errors.events ? ' has-error' : ''}`} id="webhook-events" aria-describedby={errors.events ? 'webhook-events-error' : undefined}>
        <legend>Event types</legend>
        <p className="hint">Only the events whose data the purpose {apiKey.purposeLabel} may read.</p>
        <div className="radio-list">
          {choices.map((c) => (
            <label key={c.type} className="radio-row" htmlFor={`webhook-event-${c.type}`}>
              <input
                type="checkbox"
                id={`webhook-event-${c.type}`}
                checked={events.includes(c.type)}
                onChange={(e) => setEvents(e.target.checked ? [...events, c.type] : events.filter((t) => t !== c.type))}
              />
              <span>
                <code className="perm">{c.type}</code> <span className="muted">– {c.hint}</span>
              </span>
            </label>
          ))}
        </div>
        <FieldError id="webhook-events-error" message={errors.events} />
      </fieldset>
      <div className={`field${errors.description ? ' has-error' : ''}`}>
        <label htmlFor="webhook-description">
          Description <span className="optional">(optional)</span>
        </label>
        <input id="webhook-description" type="text" maxLength={500} value={description} onChange={(e) => setDescription(e.target.value)} {...invalid('description')} />
        <FieldError id="webhook-description-error" message={errors.description} />
      </div>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add endpoint'}
        </button>
        <button type="button" className="button button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
