import { useState } from 'react';
import { ApiError } from '../../lib/api';
import { Alert } from '../../components/ui';
import { Dialog } from '../../components/Dialog';

/** Asks before an action on a webhook endpoint (delete, roll the secret); shows the server's refusal. */
export function ConfirmDialog({ title, description, confirm, busyLabel, tone = 'default', onClose, onConfirm }: {
  title: string;
  description: string;
  confirm: string;
  busyLabel: string;
  tone?: 'default' | 'danger';
  onClose: () => void;
  onConfirm: () => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  async function run() {
    setBusy(true);
    try {
      await onConfirm();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      setBusy(false);
    }
  }
  return (
    <Dialog title={title} onClose={onClose} tone={tone} description={description}>
      {error && <Alert tone="error">{error}</Alert>}
      <div className="dialog-actions">
        <button type="button" className="button button-secondary" onClick={onClose} data-autofocus>
          Cancel
        </button>
        <button type="button" className={`button ${tone === 'danger' ? 'button-danger' : 'button-primary'}`} disabled={busy} onClick={run}>
          {busy ? busyLabel : confirm}
        </button>
      </div>
    </Dialog>
  );
}
