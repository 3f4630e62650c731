import { useEffect, useRef } from 'react';
import type { FieldErrors } from '../lib/types';

/** Where each error path's field is, for the summary's links. */
export const FIELD_IDS: Record<string, string> = {
  reference: 'key-reference',
  purpose: 'purpose-group',
  expiresOn: 'key-expiry',
  'theme.logoId': 'theme-logo-button',
  'theme.primaryColour': 'theme-primary',
  'theme.secondaryColour': 'theme-secondary',
  allowedIps: 'key-ips',
  allowedRedirectOrigins: 'key-origins',
};

/** "There is a problem" box listing each error with a link to its field; takes focus when shown. */
export function ErrorSummary({ errors, shownAt, fieldIds = FIELD_IDS }: { errors: FieldErrors; shownAt: number; fieldIds?: Record<string, string> }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (shownAt) ref.current?.focus();
  }, [shownAt]);
  const entries = Object.entries(errors).filter(([, m]) => m);
  // Shown from the first attempt to submit on; before that each field speaks for itself.
  if (!shownAt || entries.length === 0) return null;
  return (
    <div className="alert alert-error error-summary" role="alert" tabIndex={-1} ref={ref} aria-labelledby="error-summary-title">
      <strong className="alert-title" id="error-summary-title">
        There is a problem
      </strong>
      <ul>
        {entries.map(([path, message]) => (
          <li key={path}>
            <a
              href={`#${fieldIds[path] ?? ''}`}
              onClick={(e) => {
                e.preventDefault();
                const el = document.getElementById(fieldIds[path] ?? '');
                const focusable = el?.matches('input,select,textarea,button') ? el : el?.querySelector<HTMLElement>('input,select,textarea,button');
                focusable?.focus();
                el?.scrollIntoView({ block: 'center' });
              }}
            >
              {message}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}
