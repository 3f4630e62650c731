/**
 * The parts of the hosted checkout page that the console's live preview shows too: the themed header, the
 * item's price line and the main button, as React components. The server renders them into the real pages
 * (checkout.pages.tsx, react-dom/server); the console renders the same components in the browser
 * (console/src/checkout-preview/), so what staff preview is what customers get. Browser-safe: React and
 * theme.ts only, no Node APIs.
 */
import type { ButtonHTMLAttributes, CSSProperties, ReactNode } from 'react';
import { checkoutTheme } from './theme.js';

/** What the page shows of the item sold (the session's snapshot has more fields). */
export interface ItemView {
  name: string;
  siteName: string;
  pricePence: number;
  joiningFeePence: number;
  paymentType: string;
  billingPeriod: string | null;
  durationMonths: number | null;
}

/** Formats pence as money, e.g. £32.00. */
export function money(pence: number, currency: string): string {
  let f = MONEY.get(currency);
  if (!f) MONEY.set(currency, (f = new Intl.NumberFormat('en-GB', { style: 'currency', currency })));
  return f.format(pence / 100);
}
// Building a formatter costs far more than formatting: one per currency.
const MONEY = new Map<string, Intl.NumberFormat>();

/** How the price recurs: "per month", "for 12 months", "one-off". */
export function priceTerms(item: ItemView): { label: string; badge: string } {
  if (item.paymentType === 'recurring') return { label: item.billingPeriod === 'year' ? 'per year' : 'per month', badge: item.billingPeriod === 'year' ? 'Recurring yearly' : 'Recurring monthly' };
  if (item.paymentType === 'fixed') return { label: item.durationMonths ? `for ${item.durationMonths} month${item.durationMonths === 1 ? '' : 's'}` : 'fixed term', badge: 'Fixed term' };
  return { label: 'one-off', badge: 'One-off payment' };
}

/** The themed page header: logo (or the operator's initial) and the operator's name. */
export function CheckoutHeader({ logoUrl, operatorName }: { logoUrl?: string | null; operatorName: string }) {
  return (
    <header className="fc-header" data-part="header">
      <div className="fc-logo">
        {logoUrl ? (
          <img className="fc-logo-img" src={logoUrl} alt={`${operatorName} logo`} width="40" height="40" />
        ) : (
          <span className="fc-logo-initial" aria-hidden="true">
            {operatorName.trim().slice(0, 1).toUpperCase() || 'F'}
          </span>
        )}
      </div>
      <div className="fc-header-text">
        <div className="fc-operator">{operatorName}</div>
        <div className="fc-secure">Secure checkout</div>
      </div>
    </header>
  );
}

/** The main (primary-coloured) button. */
export function CheckoutButton({ children, ...rest }: ButtonHTMLAttributes<HTMLButtonElement> & { 'data-testid'?: string; children: ReactNode }) {
  return (
    <button className="fc-button" data-part="button" {...rest}>
      {children}
    </button>
  );
}

/** The item's name and price, with how the price recurs. */
export function ItemHeadline({ item, currency }: { item: ItemView; currency: string }) {
  return (
    <div className="fc-summary">
      <span className="fc-item-name" data-testid="item-name">
        {item.name}
      </span>
      <span className="fc-price">
        {money(item.pricePence, currency)}
        <span className="fc-period">{` ${priceTerms(item).label}`}</span>
      </span>
    </div>
  );
}

/** Props of the console's live preview. */
export interface CheckoutPreviewProps {
  logoUrl: string | null | undefined;
  primaryColour: string | null | undefined;
  secondaryColour: string | null | undefined;
  operatorName: string;
}

/** The item the preview shows (a typical monthly membership). */
export const PREVIEW_ITEM: ItemView = { name: 'Adult Gym Membership', siteName: 'Riverside Leisure Centre', pricePence: 3200, joiningFeePence: 0, paymentType: 'recurring', billingPeriod: 'month', durationMonths: null };
const PREVIEW_CURRENCY = 'GBP';

/** The class names of the preview's root element. */
export const PREVIEW_ROOT_CLASS = 'fc fc-preview';

/**
 * The console's preview of a key's checkout: the page's own header, price line and main button around a
 * sample item. The theme arrives as CSS variables on the root element (the console's CSP allows inline
 * styles; the hosted pages load the same variables as a stylesheet). The button is inert: the preview sits
 * inside the console's own form.
 */
export function CheckoutPreviewCard({ logoUrl, primaryColour, secondaryColour, operatorName }: CheckoutPreviewProps) {
  const theme = checkoutTheme(primaryColour, secondaryColour);
  return (
    <div className={PREVIEW_ROOT_CLASS} style={theme.vars as CSSProperties} data-testid="checkout-preview" role="img" aria-label={`Checkout preview for ${operatorName}`}>
      <CheckoutHeader logoUrl={logoUrl} operatorName={operatorName} />
      <div className="fc-body">
        <ItemHeadline item={PREVIEW_ITEM} currency={PREVIEW_CURRENCY} />
        <CheckoutButton type="button" tabIndex={-1}>
          {`Pay ${money(PREVIEW_ITEM.pricePence, PREVIEW_CURRENCY)}`}
        </CheckoutButton>
        <div className="fc-secondary-button">Back to the app</div>
      </div>
    </div>
  );
}
