import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../lib/api';
import type { ApiKey, ApiKeyWithSecret } from '../../lib/types';
import { Alert } from '../../components/ui';
import { Dialog } from '../../components/Dialog';

const GRACE = [
  { seconds: 0, label: 'Now', hint: 'The current key stops working immediately.' },
  { seconds: 3600, label: '1 hour', hint: 'The current key keeps working for 1 hour.' },
  { seconds: 86400, label: '24 hours', hint: 'The current key keeps working for 24 hours.' },
  { seconds: 604800, label: '7 days', hint: 'The current key keeps working for 7 days.' },
];

/** Roll: issue a new secret; the old one keeps working for the chosen grace period. */
export function RollDialog({ apiKey, onClose, onRolled }: { apiKey: ApiKey; onClose: () => void; onRolled: (k: ApiKeyWithSecret) => void }) {
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
