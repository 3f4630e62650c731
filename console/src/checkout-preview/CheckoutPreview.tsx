import type { CSSProperties } from 'react';
import { CHECKOUT_CSS } from '../../../src/checkout/checkout-css.js';
import { PREVIEW_ROOT_CLASS, checkoutPreview, type CheckoutPreviewProps } from '../../../src/checkout/theme.js';

export type { CheckoutPreviewProps };

/**
 * The header and pay button of the hosted checkout page in a key's theme: the checkout's own markup and
 * stylesheet (src/checkout/theme.ts, checkout-css.ts), so what staff preview is what customers get, text
 * colour included (black or white, whichever reads better on the primary colour).
 */
export function CheckoutPreview({ logoUrl, primaryColour, secondaryColour, operatorName }: CheckoutPreviewProps) {
  // The markup is built by checkoutPreview from escaped values only.
  const preview = checkoutPreview({ logoUrl, primaryColour, secondaryColour, operatorName });
  return (
    <>
      {/* React hoists this into <head> once, however many previews a page shows. */}
      <style href="flow-checkout-css" precedence="default">
        {CHECKOUT_CSS}
      </style>
      <div
        className={PREVIEW_ROOT_CLASS}
        style={preview.vars as CSSProperties}
        data-testid="checkout-preview"
        role="img"
        aria-label={`Checkout preview for ${operatorName}`}
        dangerouslySetInnerHTML={{ __html: preview.html }}
      />
    </>
  );
}
