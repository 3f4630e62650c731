import { type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { KeyStatus } from '../lib/types';

/** The trail of pages above this one; the last crumb is the current page. */
export function Breadcrumbs({ items }: { items: { label: string; to?: string }[] }) {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumbs">
      <ol>
        {items.map((item, i) => (
          <li key={item.label + i}>
            {item.to && i < items.length - 1 ? (
              <Link to={item.to}>{item.label}</Link>
            ) : (
              <span aria-current={i === items.length - 1 ? 'page' : undefined}>{item.label}</span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

/** Where the FLOW API Keys list lives (System Configuration → Integrations → FLOW API Keys). */
export const KEYS_PATH = '/system-configuration/integrations/api-keys';

/** The trail to the FLOW API Keys pages; `current` names a page below the list (a key, the create form). */
export function KeysBreadcrumbs({ current }: { current?: string }) {
  const trail = [
    { label: 'Home', to: '/' },
    { label: 'System Configuration', to: '/system-configuration' },
    { label: 'Integrations', to: '/system-configuration/integrations' },
    { label: 'FLOW API Keys', to: KEYS_PATH },
  ];
  return <Breadcrumbs items={current === undefined ? trail : [...trail, { label: current }]} />;
}

/** Page title row with optional actions on the right. */
export function PageHeader({ title, intro, actions }: { title: string; intro?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="page-header">
      <div>
        <h1>{title}</h1>
        {intro && <p className="intro">{intro}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </div>
  );
}

const STATUS_LABEL: Record<KeyStatus, string> = { active: 'Active', expiring_soon: 'Expiring soon', expired: 'Expired', revoked: 'Revoked' };

/** A key's status as a coloured badge with a text label (never colour alone). */
export function StatusBadge({ status }: { status: KeyStatus }) {
  return <span className={`badge badge-${status}`}>{STATUS_LABEL[status]}</span>;
}

/** The label of a status. */
export function statusLabel(status: KeyStatus): string {
  return STATUS_LABEL[status];
}

/** An inline message box. */
export function Alert({ tone = 'info', title, children, id }: { tone?: 'info' | 'error' | 'warning' | 'success'; title?: string; children?: ReactNode; id?: string }) {
  return (
    <div className={`alert alert-${tone}`} role={tone === 'error' ? 'alert' : 'status'} id={id}>
      {title && <strong className="alert-title">{title}</strong>}
      {children && <div>{children}</div>}
    </div>
  );
}

/** A success message the user can dismiss (nothing shown when `notice` is empty). */
export function Notice({ notice, onDismiss }: { notice: string; onDismiss: () => void }) {
  if (!notice) return null;
  return (
    <Alert tone="success">
      {notice}{' '}
      <button type="button" className="link-button" onClick={onDismiss}>
        Dismiss
      </button>
    </Alert>
  );
}

/** A small loading line for screen readers and eyes. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

/** The error message under a field, tied to it by id for aria-describedby. */
export function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p className="field-error" id={id}>
      <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
        <circle cx="8" cy="8" r="7" fill="currentColor" />
        <path d="M8 4.5v4.2M8 10.8v.4" stroke="#fff" strokeWidth="1.8" strokeLinecap="round" />
      </svg>
      {message}
    </p>
  );
}
