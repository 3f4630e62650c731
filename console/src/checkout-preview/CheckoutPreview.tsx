import type { CSSProperties } from 'react';
import { DEFAULT_PRIMARY, DEFAULT_SECONDARY, TEXT_ON_PRIMARY, normaliseHex } from './colour.js';

/** What the branded checkout shows: the operator's logo and name, in the key's theme colours. */
export interface CheckoutPreviewProps {
  logoUrl: string | null | undefined;
  primaryColour: string | null | undefined;
  secondaryColour: string | null | undefined;
  operatorName: string;
}

/**
 * The header and pay button of the hosted checkout page, in a key's theme.
 * Self-contained (inline styles only) so the checkout pages can reuse the same look:
 * the header and the main button are the primary colour with white text; the secondary colour is the
 * accent bar under the header, the price and the outline of the secondary button.
 */
export function CheckoutPreview({ logoUrl, primaryColour, secondaryColour, operatorName }: CheckoutPreviewProps) {
  const primary = normaliseHex(primaryColour ?? '') ?? DEFAULT_PRIMARY;
  const secondary = normaliseHex(secondaryColour ?? '') ?? DEFAULT_SECONDARY;
  const frame: CSSProperties = {
    border: '1px solid #D9E1E3',
    borderRadius: 12,
    overflow: 'hidden',
    background: '#FFFFFF',
    fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    boxShadow: '0 1px 2px rgba(16, 42, 46, 0.06)',
    maxWidth: 420,
  };
  const header: CSSProperties = {
    background: primary,
    color: TEXT_ON_PRIMARY,
    display: 'flex',
    alignItems: 'center',
    gap: 12,
    padding: '14px 18px',
    minHeight: 64,
    borderBottom: `4px solid ${secondary}`,
  };
  const logoBox: CSSProperties = {
    width: 40,
    height: 40,
    borderRadius: 8,
    background: '#FFFFFF',
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    overflow: 'hidden',
    flex: '0 0 auto',
  };
  const button: CSSProperties = {
    display: 'block',
    width: '100%',
    border: 0,
    borderRadius: 8,
    padding: '12px 16px',
    background: primary,
    color: TEXT_ON_PRIMARY,
    fontSize: 16,
    fontWeight: 600,
    textAlign: 'center',
  };
  const secondaryButton: CSSProperties = {
    display: 'block',
    width: '100%',
    marginTop: 8,
    borderRadius: 8,
    padding: '10px 16px',
    background: '#FFFFFF',
    color: '#1F2D30',
    border: `2px solid ${secondary}`,
    fontSize: 15,
    fontWeight: 600,
    textAlign: 'center',
  };
  return (
    <div style={frame} data-testid="checkout-preview" aria-label={`Checkout preview for ${operatorName}`} role="img">
      <div style={header} data-part="header">
        <div style={logoBox}>
          {logoUrl ? (
            <img src={logoUrl} alt="" style={{ maxWidth: '100%', maxHeight: '100%', objectFit: 'contain' }} />
          ) : (
            <span style={{ color: primary, fontWeight: 800, fontSize: 18 }}>{operatorName.slice(0, 1).toUpperCase() || 'F'}</span>
          )}
        </div>
        <div style={{ minWidth: 0 }}>
          <div style={{ fontWeight: 700, fontSize: 17, lineHeight: 1.2, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{operatorName}</div>
          <div style={{ fontSize: 13, opacity: 0.9 }}>Secure checkout</div>
        </div>
      </div>
      <div style={{ padding: 18, color: '#1F2D30' }}>
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'baseline', marginBottom: 14, gap: 8 }}>
          <span style={{ fontSize: 15 }}>Adult Gym Membership</span>
          <span style={{ fontWeight: 700, fontSize: 17, color: '#1F2D30', borderBottom: `3px solid ${secondary}` }}>£32.00/month</span>
        </div>
        <div style={button} data-part="button">
          Pay £32.00
        </div>
        <div style={secondaryButton}>Back to the app</div>
      </div>
    </div>
  );
}
