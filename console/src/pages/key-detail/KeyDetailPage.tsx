import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { formatDateTime } from '../../lib/dates';
import { useSession, useStaff } from '../../lib/session';
import { useTitle } from '../../lib/title';
import { useGet } from '../../lib/use-api';
import type { ApiKey, ApiKeyWithSecret, UsageDay } from '../../lib/types';
import { Alert, KEYS_PATH, KeysBreadcrumbs, Loading, Notice, StatusBadge } from '../../components/ui';
import { AuditList } from '../../components/AuditList';
import { SecretDialog } from '../../components/SecretDialog';
import { UsageChart } from '../../components/UsageChart';
import { EditKey } from './EditKey';
import { KeyFacts } from './KeyFacts';
import { KeyPermissions } from './KeyPermissions';
import { KeyTheme } from './KeyTheme';
import { RevokeDialog } from './RevokeDialog';
import { RollDialog } from './RollDialog';
import { Webhooks } from './Webhooks';

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
      <Notice notice={notice} onDismiss={() => setNotice('')} />
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
          <KeyFacts apiKey={k} timeZone={tz} />
          <KeyPermissions apiKey={k} />
          <KeyTheme apiKey={k} operatorName={staff.environment.name} />

          <section className="card card-wide" aria-labelledby="sec-usage">
            <h2 id="sec-usage" className="section-heading">
              Usage, last 30 days
            </h2>
            {usage.error && <Alert tone="error">{usage.error.message}</Alert>}
            {usage.data ? <UsageChart days={usage.data.days} /> : !usage.error && <Loading label="Loading usage…" />}
          </section>

          <Webhooks apiKey={k} timeZone={tz} onAudit={() => setAuditTick((n) => n + 1)} />

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
