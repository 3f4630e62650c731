/**
 * The console's checkout preview is the hosted checkout's own header and button: markup, stylesheet and the
 * contrast-chosen text colours come from src/checkout (theme.ts, checkout-css.ts) through SharedCheckoutPreview,
 * so the preview cannot drift from the real page.
 */
export { SharedCheckoutPreview as CheckoutPreview, type CheckoutPreviewProps } from './SharedCheckoutPreview.js';
