import { CHECKOUT_CSS } from '../../../src/checkout/checkout-css.js';
import { CheckoutPreviewCard, type CheckoutPreviewProps } from '../../../src/checkout/checkout-components.js';

export type { CheckoutPreviewProps };

/**
 * The hosted checkout page in a key's theme: the page's own components (src/checkout/checkout-components.tsx)
 * and stylesheet (checkout-css.ts), so what staff preview is what customers get, text colour included (black
 * or white, whichever reads better on the primary colour).
 */
export function CheckoutPreview(props: CheckoutPreviewProps) {
  return (
    <>
      {/* React hoists this into <head> once, however many previews a page shows. */}
      <style href="flow-checkout-css" precedence="default">
        {CHECKOUT_CSS}
      </style>
      <CheckoutPreviewCard {...props} />
    </>
  );
}
