import { useEffect, useId, useRef, useState, type DragEvent } from 'react';
import { api, ApiError } from '../lib/api';
import { checkLogoFile, LOGO_TYPES } from '../lib/validate';
import type { FieldErrors } from '../lib/types';
import { CheckoutPreview } from '../checkout-preview/CheckoutPreview';
import { AA_MINIMUM, BLACK, WHITE, contrastRatio, normaliseHex, textColourOn } from '../checkout-preview/colour';
import { FieldError } from './ui';

/** The theme as the form edits it: colours as typed, the logo as uploaded. */
export interface ThemeDraft {
  logoId: string | null;
  logoUrl: string | null;
  primaryColour: string;
  secondaryColour: string;
}

interface ThemeFieldsProps {
  value: ThemeDraft;
  onChange: (v: ThemeDraft) => void;
  errors: FieldErrors;
  setError: (path: string, message: string | undefined) => void;
  operatorName: string;
  /** Reports whether a logo upload is under way (the form waits for it). */
  onBusy?: (busy: boolean) => void;
}

/** Logo upload, the two colours and the live checkout preview with its contrast check. */
export function ThemeFields({ value, onChange, errors, setError, operatorName, onBusy }: ThemeFieldsProps) {
  const contrast = primaryContrast(value.primaryColour);
  return (
    <div className="theme-grid">
      <div className="theme-fields">
        <LogoField value={value} onChange={onChange} error={errors['theme.logoId']} setError={(m) => setError('theme.logoId', m)} onBusy={onBusy} />
        <ColourField
          id="theme-primary"
          label="Primary Hex Colour Code"
          hint="The checkout header and main button. Their text is white, or black where white would not read."
          value={value.primaryColour}
          onChange={(v) => onChange({ ...value, primaryColour: v })}
          error={errors['theme.primaryColour']}
          setError={(m) => setError('theme.primaryColour', m)}
          extra={contrast}
        />
        <ColourField
          id="theme-secondary"
          label="Secondary Hex Colour Code"
          hint="Accents: the bar under the header, the price and the second button's outline."
          value={value.secondaryColour}
          onChange={(v) => onChange({ ...value, secondaryColour: v })}
          error={errors['theme.secondaryColour']}
          setError={(m) => setError('theme.secondaryColour', m)}
        />
      </div>
      <div className="theme-preview">
        <p className="preview-label" id="preview-label">
          Live preview of the checkout
        </p>
        <CheckoutPreview logoUrl={value.logoUrl} primaryColour={value.primaryColour} secondaryColour={value.secondaryColour} operatorName={operatorName} />
      </div>
    </div>
  );
}

/**
 * The WCAG AA check of text on the primary colour, as the checkout renders it: white text where it reads well
 * enough, else black. Warns when white text would fall under 4.5:1 (the checkout then switches to black, which
 * changes the brand's look) and, should it ever happen, when neither reaches 4.5:1.
 */
function primaryContrast(primaryColour: string) {
  const primary = normaliseHex(primaryColour);
  if (!primary) return undefined;
  const text = textColourOn(primary);
  const ratio = contrastRatio(primary, text);
  const white = contrastRatio(primary, WHITE);
  if (ratio < AA_MINIMUM) {
    return (
      <p className="contrast-warning" role="status" id="theme-primary-contrast">
        <strong>Low contrast:</strong> text on {primary} reaches only {ratio.toFixed(2)}:1, below the WCAG AA minimum of 4.5:1. Customers may struggle to read the
        checkout header and button. Choose a darker or lighter primary colour.
      </p>
    );
  }
  if (text === BLACK && white < AA_MINIMUM) {
    return (
      <p className="contrast-warning" role="status" id="theme-primary-contrast">
        <strong>Low contrast for white text:</strong> white text on {primary} would reach only {white.toFixed(2)}:1, below the WCAG AA minimum of 4.5:1, so the
        checkout shows black text on it instead ({ratio.toFixed(2)}:1). Choose a darker primary colour to keep white text.
      </p>
    );
  }
  return (
    <p className="contrast-ok" id="theme-primary-contrast">
      {text === WHITE ? 'White' : 'Black'} text on the primary colour: {ratio.toFixed(2)}:1 (meets WCAG AA)
    </p>
  );
}

/** A colour picker and a hex text field kept in sync; empty means "use FLOW's default". */
function ColourField(props: {
  id: string;
  label: string;
  hint: string;
  value: string;
  onChange: (v: string) => void;
  error?: string;
  setError: (m: string | undefined) => void;
  extra?: React.ReactNode;
}) {
  const { id, label, hint, value, onChange, error, setError, extra } = props;
  const valid = normaliseHex(value);
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  return (
    <div className={`field${error ? ' has-error' : ''}`}>
      <label htmlFor={id}>
        {label} <span className="optional">(optional)</span>
      </label>
      <p className="hint" id={hintId}>
        {hint}
      </p>
      <div className="colour-row">
        <input
          type="color"
          className="colour-swatch"
          aria-label={`Colour picker: ${label}`}
          value={(valid ?? '#FFFFFF').toLowerCase()}
          onChange={(e) => {
            onChange(e.target.value.toUpperCase());
            setError(undefined);
          }}
        />
        <input
          id={id}
          type="text"
          className="colour-text"
          inputMode="text"
          autoComplete="off"
          spellCheck={false}
          maxLength={7}
          placeholder="#RRGGBB"
          value={value}
          aria-invalid={!!error}
          aria-describedby={[hintId, error ? errorId : '', extra ? `${id}-contrast` : ''].filter(Boolean).join(' ')}
          onChange={(e) => {
            let v = e.target.value.trim();
            if (v && !v.startsWith('#')) v = `#${v}`;
            onChange(v);
            if (error && (!v || normaliseHex(v))) setError(undefined);
          }}
          onBlur={() => {
            if (!value) return;
            const n = normaliseHex(value);
            if (n) onChange(n);
            else setError('Enter a hex colour code such as #1A2B3C.');
          }}
        />
        {value && (
          <button type="button" className="button button-ghost button-small" onClick={() => onChange('')} aria-label={`Clear ${label}`}>
            Clear
          </button>
        )}
      </div>
      <FieldError id={errorId} message={error} />
      {extra}
    </div>
  );
}

/** Logo: a button and a drop zone; the file is checked here, uploaded at once, and previewed. */
function LogoField({
  value,
  onChange,
  error,
  setError,
  onBusy,
}: {
  value: ThemeDraft;
  onChange: (v: ThemeDraft) => void;
  error?: string;
  setError: (m: string | undefined) => void;
  onBusy?: (b: boolean) => void;
}) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [uploading, setUploading] = useState(false);
  const [localPreview, setLocalPreview] = useState<string | null>(null);
  const [fileName, setFileName] = useState<string>('');
  const hintId = useId();
  const errorId = useId();
  const latest = useRef(value);
  latest.current = value;

  useEffect(() => () => void (localPreview && URL.revokeObjectURL(localPreview)), [localPreview]);

  async function take(file: File | undefined) {
    if (!file) return;
    const problem = checkLogoFile(file);
    if (problem) {
      setError(problem);
      return;
    }
    setError(undefined);
    setFileName(file.name);
    setLocalPreview(URL.createObjectURL(file));
    setUploading(true);
    onBusy?.(true);
    try {
      const form = new FormData();
      form.append('file', file, file.name);
      const logo = await api<{ id: string; url: string }>('POST', '/admin/v1/logos', form);
      onChange({ ...latest.current, logoId: logo.id, logoUrl: logo.url });
      setLocalPreview(null);
    } catch (e) {
      setLocalPreview(null);
      setFileName('');
      const fe = e instanceof ApiError ? (e.fieldErrors().file ?? e.message) : 'The logo could not be uploaded.';
      setError(/^(is|must)\b/.test(fe) ? `The logo ${fe}.` : fe);
    } finally {
      setUploading(false);
      onBusy?.(false);
      if (inputRef.current) inputRef.current.value = '';
    }
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    void take(e.dataTransfer.files[0]);
  }

  const shown = localPreview ?? value.logoUrl;
  return (
    <div className={`field${error ? ' has-error' : ''}`}>
      <span className="label" id="logo-label">
        Logo <span className="optional">(optional)</span>
      </span>
      <p className="hint" id={hintId}>
        PNG, JPEG, WebP or SVG, up to 1 MB. Shown in the checkout header.
      </p>
      <div
        className={`dropzone${over ? ' is-over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        data-testid="logo-dropzone"
      >
        {shown ? (
          <img src={shown} alt="Logo preview" className="logo-preview" />
        ) : (
          <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" className="dropzone-icon">
            <path d="M12 16V4m0 0-4 4m4-4 4 4M4 15v3a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-3" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
        )}
        <div className="dropzone-text">
          <button type="button" id="theme-logo-button" className="button button-secondary button-small" onClick={() => inputRef.current?.click()} aria-describedby={`${hintId}${error ? ` ${errorId}` : ''}`} disabled={uploading}>
            {value.logoId ? 'Replace logo' : 'Upload a Logo'}
          </button>
          <span className="muted"> or drag and drop an image here</span>
          <span className="upload-status" role="status">
            {uploading ? `Uploading ${fileName}…` : value.logoId && fileName ? `${fileName} uploaded` : ''}
          </span>
        </div>
        {value.logoId && !uploading && (
          <button
            type="button"
            className="button button-ghost button-small"
            onClick={() => {
              onChange({ ...value, logoId: null, logoUrl: null });
              setFileName('');
            }}
          >
            Remove logo
          </button>
        )}
        <input
          ref={inputRef}
          id="theme-logo"
          type="file"
          accept={LOGO_TYPES.join(',')}
          className="visually-hidden"
          tabIndex={-1}
          aria-labelledby="logo-label"
          onChange={(e) => void take(e.target.files?.[0])}
        />
      </div>
      <FieldError id={errorId} message={error} />
    </div>
  );
}
