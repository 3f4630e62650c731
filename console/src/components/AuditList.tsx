import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { api, ApiError, query } from '../lib/api';
import { formatDateTime } from '../lib/dates';
import type { AuditEvent } from '../lib/types';
import { Alert, Loading } from './ui';

const ACTIONS: Record<string, string> = {
  'api_key.created': 'Created the key',
  'api_key.updated': 'Changed the key',
  'api_key.revoked': 'Revoked the key',
  'api_key.rolled': 'Rolled the key',
  'logo.uploaded': 'Uploaded a logo',
  'staff.login': 'Signed in',
  'staff.logout': 'Signed out',
};

/** A readable name for an audit action (unknown ones shown as they are). */
export function actionLabel(action: string): string {
  return ACTIONS[action] ?? action.replace(/[._]/g, ' ');
}

function describeChange(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object' && v && 'from' in v && 'to' in v) {
    const c = v as { from: unknown; to: unknown };
    return `${describeChange(c.from)} → ${describeChange(c.to)}`;
  }
  if (Array.isArray(v)) return v.length ? v.join(', ') : '(none)';
  if (typeof v === 'object') {
    const parts = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== null && x !== undefined);
    return parts.length ? parts.map(([k, x]) => `${k} ${describeChange(x)}`).join(', ') : '(none)';
  }
  return String(v);
}

/** Audit events, newest first, with "Load more"; optionally only those about one target. */
export function AuditList({ targetId, timeZone, showTarget, refreshKey = 0, limit = 50 }: { targetId?: string; timeZone: string; showTarget?: boolean; refreshKey?: number; limit?: number }) {
  const [events, setEvents] = useState<AuditEvent[] | undefined>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string>('');
  const [loadingMore, setLoadingMore] = useState(false);

  const load = useCallback(
    async (after: string | null) => {
      const page = await api<{ data: AuditEvent[]; nextCursor: string | null }>('GET', `/admin/v1/audit-events${query({ targetId, limit, cursor: after })}`);
      return page;
    },
    [targetId, limit],
  );

  useEffect(() => {
    let live = true;
    load(null)
      .then((p) => {
        if (!live) return;
        setEvents(p.data);
        setCursor(p.nextCursor);
      })
      .catch((e: unknown) => live && setError(e instanceof ApiError ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [load, refreshKey]);

  if (error) return <Alert tone="error">{error}</Alert>;
  if (!events) return <Loading label="Loading the audit trail…" />;
  if (events.length === 0) return <p className="muted">Nothing recorded yet.</p>;
  return (
    <>
      <ol className="audit-list">
        {events.map((e) => {
          const changes = Object.entries(e.changes ?? {});
          return (
            <li key={e.id} className="audit-item">
              <div className="audit-head">
                <span className="audit-action">{actionLabel(e.action)}</span>
                {showTarget && e.targetType === 'api_key' && e.targetId && (
                  <Link to={`/system-configuration/integrations/api-keys/${e.targetId}`} className="audit-target">
                    {typeof e.changes?.reference === 'string' ? e.changes.reference : e.targetId}
                  </Link>
                )}
                {showTarget && e.targetType !== 'api_key' && e.targetId && <code className="audit-target">{e.targetId}</code>}
                <time dateTime={e.createdAt} className="audit-time">
                  {formatDateTime(e.createdAt, timeZone)}
                </time>
              </div>
              <div className="audit-meta">
                by {e.actor.label ?? e.actor.type}
                {e.ip ? ` · from ${e.ip}` : ''}
              </div>
              {changes.length > 0 && (
                <dl className="audit-changes">
                  {changes.map(([k, v]) => (
                    <div key={k}>
                      <dt>{k}</dt>
                      <dd>{describeChange(v)}</dd>
                    </div>
                  ))}
                </dl>
              )}
            </li>
          );
        })}
      </ol>
      {cursor && (
        <button
          type="button"
          className="button button-secondary"
          disabled={loadingMore}
          onClick={async () => {
            setLoadingMore(true);
            try {
              const p = await load(cursor);
              setEvents((old) => [...(old ?? []), ...p.data]);
              setCursor(p.nextCursor);
            } catch (e) {
              setError(e instanceof ApiError ? e.message : String(e));
            } finally {
              setLoadingMore(false);
            }
          }}
        >
          {loadingMore ? 'Loading…' : 'Load more'}
        </button>
      )}
    </>
  );
}
