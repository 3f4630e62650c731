import { useState } from 'react';
import { api, ApiError } from '../../lib/api';
import { formatDateTime } from '../../lib/dates';
import type { WebhookEndpoint, WebhookEndpointWithSecret } from '../../lib/types';
import { Alert } from '../../components/ui';
import { ConfirmDialog } from './ConfirmDialog';
import { DeliveryLog } from './DeliveryLog';
import { ENDPOINT_STATUS } from './webhook-events';

const path = (id: string) => `/admin/v1/webhook-endpoints/${encodeURIComponent(id)}`;

/** One endpoint: URL, events, status (and why it was disabled); pause/resume, test, roll, delete; its delivery log. */
export function WebhookEndpointItem({ endpoint: e, timeZone, editable, onChanged, onRemoved, onSecret }: {
  endpoint: WebhookEndpoint;
  timeZone: string;
  /** False for staff who are not admins and for revoked or expired keys: read-only. */
  editable: boolean;
  onChanged: (next: WebhookEndpoint, message: string) => void;
  onRemoved: (message: string) => void;
  onSecret: (rolled: WebhookEndpointWithSecret) => void;
}) {
  const [dialog, setDialog] = useState<'' | 'delete' | 'roll'>('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [logOpen, setLogOpen] = useState(false);
  const [logTick, setLogTick] = useState(0);
  const status = ENDPOINT_STATUS[e.status];
  const name = e.description || e.url;

  async function act(fn: () => Promise<void>) {
    setBusy(true);
    setError('');
    try {
      await fn();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }
  const setStatus = (next: 'enabled' | 'paused') =>
    act(async () => {
      const updated = await api<WebhookEndpoint>('PATCH', path(e.id), { status: next });
      onChanged(updated, next === 'paused' ? `Deliveries to ${e.url} are paused: events wait until you resume.` : `Deliveries to ${e.url} resumed.`);
    });
  const sendTest = () =>
    act(async () => {
      await api('POST', `${path(e.id)}/test`);
      onChanged(e, `A test event was sent to ${e.url}. It appears in the delivery log.`);
      setLogOpen(true);
      setLogTick((n) => n + 1);
    });

  return (
    <li className="webhook-item" aria-labelledby={`we-${e.id}-url`}>
      <div className="webhook-head">
        <div>
          <p className="cell-main">
            <code id={`we-${e.id}-url`} className="webhook-url">
              {e.url}
            </code>{' '}
            <span className={`badge ${status.badge}`}>{status.label}</span>
          </p>
          {e.description && <p className="cell-sub">{e.description}</p>}
          <ul className="perm-list" aria-label="Event types">
            {e.events.map((t) => (
              <li key={t}>
                <code className="perm">{t}</code>
              </li>
            ))}
          </ul>
          <p className="cell-sub">Added {formatDateTime(e.createdAt, timeZone)}</p>
        </div>
        {editable && (
          <div className="webhook-actions">
            {e.status === 'enabled' ? (
              <button type="button" className="button button-secondary button-small" disabled={busy} onClick={() => setStatus('paused')}>
                Pause
              </button>
            ) : (
              <button type="button" className="button button-secondary button-small" disabled={busy} onClick={() => setStatus('enabled')}>
                {e.status === 'disabled' ? 'Enable again' : 'Resume'}
              </button>
            )}
            <button type="button" className="button button-secondary button-small" disabled={busy} onClick={sendTest}>
              Send test event
            </button>
            <button type="button" className="button button-secondary button-small" disabled={busy} onClick={() => setDialog('roll')}>
              Roll secret
            </button>
            <button type="button" className="button button-danger button-small" disabled={busy} onClick={() => setDialog('delete')}>
              Delete
            </button>
          </div>
        )}
      </div>
      {e.status === 'disabled' && (
        <Alert tone="warning" title="Deliveries to this endpoint stopped">
          {e.disabledReason ?? 'Disabled after 5 days of failed deliveries.'} {editable && 'Fix the endpoint, then choose “Enable again”.'}
        </Alert>
      )}
      {e.status === 'paused' && <p className="muted small">Paused: new events wait and are delivered when you resume.</p>}
      {error && <Alert tone="error">{error}</Alert>}
      <details className="webhook-log" open={logOpen} onToggle={(ev) => setLogOpen(ev.currentTarget.open)}>
        <summary>Delivery log</summary>
        {logOpen && <DeliveryLog endpointId={e.id} timeZone={timeZone} canRedeliver={editable} refreshKey={logTick} />}
      </details>

      {dialog === 'delete' && (
        <ConfirmDialog
          title="Delete this endpoint?"
          description={`${name} stops receiving events at once; pending deliveries to it are dropped and its delivery log is deleted. This cannot be undone.`}
          confirm="Delete endpoint"
          busyLabel="Deleting…"
          tone="danger"
          onClose={() => setDialog('')}
          onConfirm={async () => {
            await api('DELETE', path(e.id));
            setDialog('');
            onRemoved(`The endpoint ${e.url} was deleted.`);
          }}
        />
      )}
      {dialog === 'roll' && (
        <ConfirmDialog
          title="Roll the signing secret?"
          description={`A new secret signs every delivery to ${name} from now on; the current one stops at once. Update the receiver with the new secret straight away.`}
          confirm="Roll secret"
          busyLabel="Rolling…"
          onClose={() => setDialog('')}
          onConfirm={async () => {
            const rolled = await api<WebhookEndpointWithSecret>('POST', `${path(e.id)}/roll-secret`);
            setDialog('');
            onSecret(rolled);
          }}
        />
      )}
    </li>
  );
}
