import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../lib/api';
import type { ApiKey } from '../../lib/types';
import { FieldError } from '../../components/ui';
import { Dialog } from '../../components/Dialog';

/** Revoking is for good: the reference must be typed to confirm. */
export function RevokeDialog({ apiKey, onClose, onRevoked }: { apiKey: ApiKey; onClose: () => void; onRevoked: (k: ApiKey) => void }) {
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
