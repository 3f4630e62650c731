import { useEffect, useState } from 'react';
import { api, ApiError } from '../../lib/api';
import { formatDateTime } from '../../lib/dates';
import { useGet } from '../../lib/use-api';
import type { WebhookDelivery } from '../../lib/types';
import { Alert, Loading } from '../../components/ui';
import { DELIVERY_STATUS } from './webhook-events';

/** While a delivery is pending, the log looks again this often. */
const PENDING_POLL_MS = 1500;

/** One endpoint's deliveries, newest first: time, event type, status, attempts, duration, the answer's first 1 KB; Redeliver. */
export function DeliveryLog({ endpointId, timeZone, canRedeliver, refreshKey }: { endpointId: string; timeZone: string; canRedeliver: boolean; refreshKey: number }) {
  const log = useGet<{ data: WebhookDelivery[]; nextCursor: string | null }>(`/admin/v1/webhook-endpoints/${encodeURIComponent(endpointId)}/deliveries?limit=25`);
  const [message, setMessage] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  const { reload } = log;
  useEffect(() => {
    if (refreshKey) reload();
  }, [refreshKey, reload]);
  const pending = log.data?.data.some((d) => d.status === 'pending') ?? false;
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(reload, PENDING_POLL_MS);
    return () => clearTimeout(timer);
  }, [pending, log.data, reload]);

  async function redeliver(d: WebhookDelivery) {
    setMessage(null);
    try {
      await api('POST', `/admin/v1/webhook-deliveries/${encodeURIComponent(d.id)}/redeliver`);
      setMessage({ tone: 'success', text: `The ${d.eventType} event was queued again (same webhook-id ${d.eventId}).` });
      reload();
    } catch (err) {
      setMessage({ tone: 'error', text: err instanceof ApiError ? err.message : String(err) });
    }
  }

  if (log.error) return <Alert tone="error">{log.error.message}</Alert>;
  if (!log.data) return <Loading label="Loading deliveries…" />;
  const rows = log.data.data;
  return (
    <div className="delivery-log">
      <div className="webhook-bar">
        <p className="muted small">Kept 30 days. {pending ? 'Updating while deliveries are pending…' : ''}</p>
        <button type="button" className="button button-ghost button-small" onClick={reload}>
          Refresh
        </button>
      </div>
      {message && <Alert tone={message.tone}>{message.text}</Alert>}
      {rows.length === 0 ? (
        <p className="empty-inline muted">No deliveries yet. Send a test event to try the endpoint.</p>
      ) : (
        <div className="table-wrap">
          <table className="table table-compact">
            <caption className="visually-hidden">Deliveries to this endpoint, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event type</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Duration</th>
                <th scope="col">Answer</th>
                {canRedeliver && <th scope="col"><span className="visually-hidden">Actions</span></th>}
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => {
                const last = d.attemptLog[d.attemptLog.length - 1];
                const status = DELIVERY_STATUS[d.status];
                return (
                  <tr key={d.id} data-delivery={d.id}>
                    <td className="nowrap">{formatDateTime(last?.attemptedAt ?? d.createdAt, timeZone)}</td>
                    <td>
                      <code className="perm">{d.eventType}</code>
                    </td>
                    <td>
                      <span className={`badge ${status.badge}`}>{status.label}</span>
                      {d.lastStatusCode !== null && <span className="cell-sub"> HTTP {d.lastStatusCode}</span>}
                      {d.status === 'pending' && d.nextAttemptAt && d.attempts > 0 && <span className="cell-sub"> next try {formatDateTime(d.nextAttemptAt, timeZone)}</span>}
                    </td>
                    <td>{d.attempts}</td>
                    <td className="nowrap">{last ? `${last.durationMs} ms` : '–'}</td>
                    <td>
                      {d.attemptLog.length === 0 ? (
                        <span className="muted">{d.lastError ?? '–'}</span>
                      ) : (
                        <details className="attempts">
                          <summary>{last.error ?? (last.responseBody ? 'Show the answer' : 'Empty answer')}</summary>
                          <ol className="plain-list">
                            {d.attemptLog.map((a, i) => (
                              <li key={i}>
                                <span className="small">
                                  {formatDateTime(a.attemptedAt, timeZone)} · {a.statusCode === null ? 'no answer' : `HTTP ${a.statusCode}`} · {a.durationMs} ms
                                  {a.error ? ` · ${a.error}` : ''}
                                </span>
                                <pre className="answer-body">{a.responseBody || '(empty)'}</pre>
                              </li>
                            ))}
                          </ol>
                        </details>
                      )}
                    </td>
                    {canRedeliver && (
                      <td>
                        <button type="button" className="button button-secondary button-small" onClick={() => redeliver(d)} aria-label={`Redeliver ${d.eventType} of ${formatDateTime(d.createdAt, timeZone)}`}>
                          Redeliver
                        </button>
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
