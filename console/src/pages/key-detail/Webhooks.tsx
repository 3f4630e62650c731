import { useState } from 'react';
import { useSession } from '../../lib/session';
import { useGet } from '../../lib/use-api';
import type { ApiKey, WebhookEndpoint, WebhookEndpointWithSecret } from '../../lib/types';
import { Alert, Loading, Notice } from '../../components/ui';
import { SecretDialog, type SecretWording } from '../../components/SecretDialog';
import { WebhookEndpointItem } from './WebhookEndpointItem';
import { WebhookForm } from './WebhookForm';

const SECRET_WORDING = (url: string): SecretWording => ({
  intro: (
    <>
      This is the signing secret of <strong className="webhook-url">{url}</strong>. Store it with the receiver: it verifies the <code>webhook-signature</code> of every
      delivery.
    </>
  ),
  note: 'If it is lost, roll the secret to issue a new one.',
  label: 'Signing secret',
  copy: 'Copy secret',
  noun: 'secret',
});

/** The key's webhook endpoints: list, add, pause/resume, test, roll, delete, each with its delivery log. */
export function Webhooks({ apiKey: k, timeZone, onAudit }: { apiKey: ApiKey; timeZone: string; onAudit: () => void }) {
  const { isAdmin } = useSession();
  const list = useGet<{ data: WebhookEndpoint[] }>(`/admin/v1/api-keys/${encodeURIComponent(k.id)}/webhook-endpoints`);
  const [adding, setAdding] = useState(false);
  const [secret, setSecret] = useState<WebhookEndpointWithSecret | null>(null);
  const [notice, setNotice] = useState('');
  const stopped = k.status === 'revoked' || k.status === 'expired';
  const editable = isAdmin && !stopped;
  const endpoints = list.data?.data ?? [];

  const replace = (next: WebhookEndpoint[], message: string) => {
    list.setData({ data: next });
    setNotice(message);
    onAudit();
  };
  const withoutSecret = ({ secret: _secret, ...view }: WebhookEndpointWithSecret): WebhookEndpoint => view;

  return (
    <section className="card card-wide" aria-labelledby="sec-webhooks">
      <div className="webhook-bar">
        <h2 id="sec-webhooks" className="section-heading">
          Webhooks
        </h2>
        {editable && !adding && (
          <button type="button" className="button button-secondary button-small" onClick={() => setAdding(true)}>
            Add endpoint
          </button>
        )}
      </div>
      <p className="muted">FLOW sends signed events about the data this key may read to these URLs.</p>
      {stopped && (
        <Alert tone="warning" title={`Deliveries stopped: the key is ${k.status === 'revoked' ? 'revoked' : 'expired'}`}>
          Its endpoints receive no further events. They are shown here read-only, with their delivery logs.
        </Alert>
      )}
      <Notice notice={notice} onDismiss={() => setNotice('')} />
      {adding && (
        <WebhookForm
          apiKey={k}
          onCancel={() => setAdding(false)}
          onAdded={(created) => {
            setAdding(false);
            setSecret(created);
            replace([...endpoints, withoutSecret(created)], `The endpoint ${created.url} was added.`);
          }}
        />
      )}
      {list.error && <Alert tone="error">{list.error.message}</Alert>}
      {!list.data && !list.error && <Loading label="Loading webhook endpoints…" />}
      {list.data && endpoints.length === 0 && !adding && <p className="empty-inline muted">No webhook endpoints. {editable ? 'Add one to push events to the integration.' : ''}</p>}
      {endpoints.length > 0 && (
        <ul className="webhook-list plain-list" aria-label="Webhook endpoints">
          {endpoints.map((e) => (
            <WebhookEndpointItem
              key={e.id}
              endpoint={e}
              timeZone={timeZone}
              editable={editable}
              onChanged={(next, message) => replace(endpoints.map((x) => (x.id === next.id ? next : x)), message)}
              onRemoved={(message) => replace(endpoints.filter((x) => x.id !== e.id), message)}
              onSecret={(rolled) => {
                setSecret(rolled);
                replace(endpoints.map((x) => (x.id === rolled.id ? withoutSecret(rolled) : x)), `The signing secret of ${rolled.url} was rolled.`);
              }}
            />
          ))}
        </ul>
      )}
      {secret && <SecretDialog secret={secret.secret} reference={secret.url} title="Your new signing secret" wording={SECRET_WORDING(secret.url)} onDone={() => setSecret(null)} />}
    </section>
  );
}
