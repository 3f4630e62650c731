import type { CSSProperties } from 'react';
import { CHECKOUT_CSS } from '../../../src/checkout/checkout-css';
import { checkoutPreview, PREVIEW_ROOT_CLASS, type CheckoutPreviewProps } from '../../../src/checkout/theme';

export type { CheckoutPreviewProps };

/**
 * The console's live theme preview, drawn by the hosted checkout's own code (src/checkout/theme.ts for the
 * header and button markup and the contrast-chosen text colours, src/checkout/checkout-css.ts for the styles),
 * so what staff see is what customers get. The HTML is built there from escaped values only.
 */
export function SharedCheckoutPreview(props: CheckoutPreviewProps) {
  const { html, vars } = checkoutPreview(props);
  return (
    <>
      <style>{CHECKOUT_CSS}</style>
      <div
        className={PREVIEW_ROOT_CLASS}
        style={vars as CSSProperties}
        data-testid="checkout-preview"
        role="img"
        aria-label={`Checkout preview for ${props.operatorName}`}
        dangerouslySetInnerHTML={{ __html: html }}
      />
    </>
  );
}
