import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Dialog } from './Dialog';

/** Puts text on the clipboard; falls back to a selected field and execCommand where the API is refused. */
async function copyText(text: string, fallback: HTMLTextAreaElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!fallback) return false;
    fallback.focus();
    fallback.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    }
  }
}

/** How the dialog names what it shows: an API key by default, or e.g. a webhook signing secret. */
export interface SecretWording {
  /** The sentence above the warning. */
  intro: ReactNode;
  /** The line under "Copy it now". */
  note: string;
  /** The field's label. */
  label: string;
  /** The copy button's label. */
  copy: string;
  /** Its noun in "The … is on your clipboard" and "Have you stored the … somewhere safe?". */
  noun: string;
}

const KEY_WORDING = (reference: string): SecretWording => ({
  intro: (
    <>
      This is the API key for <strong>{reference}</strong>. Give it only to the trusted third-party system it is for.
    </>
  ),
  note: 'FLOW keeps only a fingerprint of the key. If it is lost, roll the key to issue a new one.',
  label: 'Your new API key',
  copy: 'Copy key',
  noun: 'key',
});

/**
 * Shows a new secret once, with a copy button. Closing (button, ×, Escape) first asks the user to
 * confirm the secret is stored, since it cannot be shown again.
 */
export function SecretDialog({ secret, title, reference, onDone, wording }: { secret: string; title: string; reference: string; onDone: () => void; wording?: SecretWording }) {
  const w = wording ?? KEY_WORDING(reference);
  const [confirming, setConfirming] = useState(false);
  const [copied, setCopied] = useState<'' | 'yes' | 'no'>('');
  const fieldRef = useRef<HTMLTextAreaElement>(null);
  // Each step starts with focus on its main button, so keyboard users land on the next action.
  useEffect(() => {
    document.querySelector<HTMLElement>('dialog[open] [data-autofocus]')?.focus();
  }, [confirming]);

  return (
    <Dialog title={title} onClose={() => (confirming ? setConfirming(false) : setConfirming(true))} wide>
      {!confirming ? (
        <div className="secret">
          <p>{w.intro}</p>
          <div className="alert alert-warning" role="note">
            <strong className="alert-title">Copy it now: it cannot be shown again.</strong>
            <div>{w.note}</div>
          </div>
          <label htmlFor="secret-value" className="label">
            {w.label}
          </label>
          <div className="secret-row">
            <textarea
              ref={fieldRef}
              id="secret-value"
              className="secret-value"
              readOnly
              rows={2}
              value={secret}
              spellCheck={false}
              onFocus={(e) => e.currentTarget.select()}
              data-testid="secret-value"
            />
            <button
              type="button"
              className="button button-primary"
              data-autofocus
              onClick={async () => setCopied((await copyText(secret, fieldRef.current)) ? 'yes' : 'no')}
            >
              {copied === 'yes' ? 'Copied' : w.copy}
            </button>
          </div>
          <p className="copy-status" role="status" aria-live="polite">
            {copied === 'yes' ? `The ${w.noun} is on your clipboard.` : copied === 'no' ? `Copying was refused by the browser: select the ${w.noun} and copy it by hand.` : ''}
          </p>
          <div className="dialog-actions">
            <button type="button" className="button button-secondary" onClick={() => setConfirming(true)}>
              Done
            </button>
          </div>
        </div>
      ) : (
        <div className="secret-confirm">
          <p>
            <strong>Have you stored the {w.noun} somewhere safe?</strong>
          </p>
          <p>Once this window closes the {w.noun} cannot be shown again.</p>
          <div className="dialog-actions">
            <button type="button" className="button button-secondary" onClick={() => setConfirming(false)}>
              Go back to the {w.noun}
            </button>
            <button type="button" className="button button-primary" data-autofocus onClick={onDone}>
              Yes, I have stored it
            </button>
          </div>
        </div>
      )}
    </Dialog>
  );
}
