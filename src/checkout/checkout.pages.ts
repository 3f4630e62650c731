import { createHash } from 'node:crypto';
import { logoUrl } from '../logos/logos.service.js';
import { CHECKOUT_CSS } from './checkout-css.js';
import type { FormErrors, FormFields } from './checkout-form.js';
import type { CheckoutSessionRow, PaymentRow } from './checkout.repository.js';
import type { CheckoutItem, PageModel } from './checkout.service.js';
import { withSessionId } from './redirect-urls.js';
import { checkoutButtonHtml, checkoutHeaderHtml, checkoutTheme, escapeHtml as e, type CheckoutTheme } from './theme.js';

/** The stylesheet's content address: the file can be cached for a year. */
export const CSS_HASH = createHash('sha256').update(CHECKOUT_CSS).digest('hex').slice(0, 16);
/** The stylesheet's URL. */
const CSS_URL = `/checkout/assets/checkout.${CSS_HASH}.css`;

/** The URL of the theme stylesheet for two resolved colours (content-addressed by the colours themselves). */
function themeUrl(t: CheckoutTheme): string {
  return `/checkout/assets/theme-${t.primary.slice(1)}-${t.secondary.slice(1)}.css`;
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
function priceTerms(item: CheckoutItem): { label: string; badge: string } {
  if (item.paymentType === 'recurring') return { label: item.billingPeriod === 'year' ? 'per year' : 'per month', badge: item.billingPeriod === 'year' ? 'Recurring yearly' : 'Recurring monthly' };
  if (item.paymentType === 'fixed') return { label: item.durationMonths ? `for ${item.durationMonths} month${item.durationMonths === 1 ? '' : 's'}` : 'fixed term', badge: 'Fixed term' };
  return { label: 'one-off', badge: 'One-off payment' };
}

interface Shell {
  title: string;
  session?: CheckoutSessionRow;
  body: string;
}

function layout(p: Shell): string {
  const s = p.session;
  const theme = checkoutTheme(s?.primaryColour, s?.secondaryColour);
  const header = checkoutHeaderHtml({ logoUrl: s?.logoSha256 ? logoUrl(s.logoSha256) : null, operatorName: s?.operatorName ?? 'FLOW' });
  return (
    `<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="referrer" content="no-referrer"><title>${e(p.title)}</title>` +
    `<link rel="stylesheet" href="${CSS_URL}"><link rel="stylesheet" href="${themeUrl(theme)}"></head>` +
    `<body class="fc"><div class="fc-page">${header}<main class="fc-body">${p.body}</main></div>` +
    `<p class="fc-foot">Payments are processed securely. Powered by FLOW.</p></body></html>`
  );
}

function summary(item: CheckoutItem, amountPence: number, currency: string): string {
  const terms = priceTerms(item);
  const lines =
    `<div class="fc-line"><dt>Membership</dt><dd>${e(item.name)}</dd></div>` +
    `<div class="fc-line"><dt>Site</dt><dd>${e(item.siteName)}</dd></div>` +
    `<div class="fc-line"><dt>Price</dt><dd>${e(money(item.pricePence, currency))} ${e(terms.label)}</dd></div>` +
    (item.joiningFeePence > 0 ? `<div class="fc-line"><dt>Joining fee</dt><dd>${e(money(item.joiningFeePence, currency))}</dd></div>` : '') +
    `<div class="fc-line fc-total"><dt>Due today</dt><dd data-testid="due-today">${e(money(amountPence, currency))}</dd></div>`;
  return (
    `<div class="fc-summary"><span class="fc-item-name" data-testid="item-name">${e(item.name)}</span>` +
    `<span class="fc-price">${e(money(item.pricePence, currency))}<span class="fc-period"> ${e(terms.label)}</span></span></div>` +
    `<p><span class="fc-badge" data-testid="payment-type">${e(terms.badge)}</span></p><dl class="fc-lines">${lines}</dl>`
  );
}

function field(name: string, label: string, values: FormFields, errors: FormErrors, attrs: string, hint?: string): string {
  const err = errors[name];
  const id = `f-${name}`;
  const described = [hint ? `${id}-hint` : '', err ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    `<div class="fc-field${err ? ' fc-invalid' : ''}"><label for="${id}">${e(label)}</label>` +
    `<input id="${id}" name="${name}" value="${e(values[name] ?? '')}" ${attrs}${err ? ' aria-invalid="true"' : ''}${described ? ` aria-describedby="${described}"` : ''}>` +
    (hint ? `<p class="fc-hint" id="${id}-hint">${e(hint)}</p>` : '') +
    (err ? `<p class="fc-error" id="${id}-error" data-error-for="${name}">${e(err)}</p>` : '') +
    `</div>`
  );
}

function checkbox(name: string, label: string, values: FormFields, errors: FormErrors): string {
  const err = errors[name];
  return (
    `<div class="fc-field${err ? ' fc-invalid' : ''}"><label class="fc-check"><input type="checkbox" id="f-${name}" name="${name}" value="yes"${values[name] === 'yes' ? ' checked' : ''}${err ? ` aria-invalid="true" aria-describedby="f-${name}-error"` : ''}> <span>${label}</span></label>` +
    (err ? `<p class="fc-error" id="f-${name}-error" data-error-for="${name}">${e(err)}</p>` : '') +
    `</div>`
  );
}

/** The checkout form: what is bought, the customer's details, terms, payment, and a way back. */
export function renderCheckoutPage(m: PageModel, values: FormFields, errors: FormErrors, alert?: string): string {
  const s = m.session;
  const method = values.method === 'direct_debit' && m.methods.includes('direct_debit') ? 'direct_debit' : 'card';
  const details = m.member
    ? `<h2>Your details</h2><p class="fc-notice" data-testid="member">Buying for <strong>${e(m.member.firstName)} ${e(m.member.lastName)}</strong> (member ${e(m.member.memberNumber)}).</p>`
    : `<h2>Your details</h2><div class="fc-row">${field('firstName', 'First name', values, errors, 'type="text" autocomplete="given-name" maxlength="100" required')}` +
      `${field('lastName', 'Last name', values, errors, 'type="text" autocomplete="family-name" maxlength="100" required')}</div>` +
      field('email', 'Email', values, errors, 'type="email" autocomplete="email" maxlength="254" required') +
      `<div class="fc-row">${field('phone', 'Phone (optional)', values, errors, 'type="tel" autocomplete="tel" maxlength="30"')}` +
      `${field('dateOfBirth', 'Date of birth (optional)', values, errors, 'type="date" autocomplete="bday"')}</div>` +
      checkbox('marketingOptIn', 'Send me news and offers by email', values, errors);
  const radio = (value: 'card' | 'direct_debit', label: string) =>
    `<label class="fc-method"><input type="radio" id="method-${value}" name="method" value="${value}"${method === value ? ' checked' : ''}> <span>${label}</span></label>`;
  const methods =
    m.methods.length > 1
      ? `<fieldset class="fc-methods"><legend class="fc-sr">Payment method</legend>${radio('card', 'Card')}${radio('direct_debit', 'Direct Debit')}</fieldset>`
      : `<input type="hidden" name="method" value="card">`;
  const card =
    `<fieldset class="fc-card-fields"><legend class="fc-sr">Card</legend>` +
    field('cardNumber', 'Card number', {}, errors, 'type="text" inputmode="numeric" autocomplete="cc-number" maxlength="23" placeholder="1234 1234 1234 1234"') +
    `<div class="fc-row">${field('cardExpiry', 'Expiry (MM/YY)', values, errors, 'type="text" inputmode="numeric" autocomplete="cc-exp" maxlength="7" placeholder="MM/YY"')}` +
    `${field('cardCvc', 'Security code', {}, errors, 'type="text" inputmode="numeric" autocomplete="cc-csc" maxlength="3" placeholder="123"')}</div></fieldset>`;
  const dd = m.methods.includes('direct_debit')
    ? `<fieldset class="fc-dd-fields"><legend class="fc-sr">Direct Debit</legend>` +
      field('accountHolder', 'Account holder name', values, errors, 'type="text" autocomplete="name" maxlength="100"') +
      `<div class="fc-row">${field('sortCode', 'Sort code', {}, errors, 'type="text" inputmode="numeric" maxlength="8" placeholder="20-00-00"')}` +
      `${field('accountNumber', 'Account number', {}, errors, 'type="text" inputmode="numeric" maxlength="8" placeholder="12345678"')}</div>` +
      checkbox('ddConfirm', 'I am the account holder and can authorise Direct Debits on this account. Your membership starts as pending until the bank confirms the mandate.', values, errors) +
      `</fieldset>`
    : '';
  const body =
    `<h1>Checkout</h1>` +
    (alert ? `<div class="fc-alert" role="alert" data-testid="alert">${e(alert)}</div>` : '') +
    summary(m.item, s.amountPence, s.currency) +
    `<form method="post" action="/checkout/${e(s.id)}/pay" class="fc-pay" novalidate>` +
    `<input type="hidden" name="csrf" value="${e(s.csrfToken)}">` +
    details +
    `<h2>Payment</h2>${methods}${errors.method ? `<p class="fc-error" data-error-for="method">${e(errors.method)}</p>` : ''}${card}${dd}` +
    checkbox('terms', `I agree to the membership terms and conditions of ${e(s.operatorName)}.`, values, errors) +
    `<div class="fc-actions">${checkoutButtonHtml(`Pay ${money(s.amountPence, s.currency)}`, 'type="submit" data-testid="pay"')}</div></form>` +
    `<form method="post" action="/checkout/${e(s.id)}/cancel"><input type="hidden" name="csrf" value="${e(s.csrfToken)}">` +
    `<button class="fc-secondary-button" type="submit" data-testid="cancel">Cancel and go back</button></form>`;
  return layout({ title: `Checkout – ${s.operatorName}`, session: s, body });
}

/** The test provider's confirmation step (what 3-D Secure looks like in test mode). */
export function renderConfirmPage(m: PageModel, payment: PaymentRow): string {
  const s = m.session;
  const body =
    `<h1>Confirm your payment</h1>` +
    `<p class="fc-notice">Your bank asks you to confirm this payment of <strong>${e(money(payment.amountPence, payment.currency))}</strong> ` +
    `with your ${e(payment.cardBrand ?? 'card')} ending ${e(payment.cardLast4 ?? '')}. (Test mode: choose the outcome.)</p>` +
    summary(m.item, s.amountPence, s.currency) +
    `<form method="post" action="/checkout/${e(s.id)}/confirm"><input type="hidden" name="csrf" value="${e(s.csrfToken)}">` +
    `<input type="hidden" name="outcome" value="approve">${checkoutButtonHtml('Confirm payment', 'type="submit" data-testid="confirm"')}</form>` +
    `<form method="post" action="/checkout/${e(s.id)}/confirm"><input type="hidden" name="csrf" value="${e(s.csrfToken)}">` +
    `<input type="hidden" name="outcome" value="reject"><button class="fc-secondary-button" type="submit" data-testid="reject">Do not confirm</button></form>`;
  return layout({ title: `Confirm payment – ${s.operatorName}`, session: s, body });
}

/** The page for a request that failed (bad form body, provider outage, a bug): no detail, a way back. */
export function renderErrorPage(status: number, sessionId: string | undefined): string {
  const title = status === 413 ? 'Form too large' : status >= 500 ? 'Something went wrong' : 'This request could not be handled';
  const back = sessionId && /^cs_[0-9A-Za-z]{22}$/.test(sessionId) ? ` <a href="/checkout/${sessionId}">Return to the checkout</a> and try again.` : '';
  const text = status >= 500 ? 'We could not complete this step. If a payment was taken it will show when you return to the checkout.' : 'The form could not be read.';
  return layout({ title, body: `<h1>${e(title)}</h1><p class="fc-notice" data-testid="state">${e(text)}${back}</p>` });
}

/** The page for a session that is no longer open (or never existed). */
export function renderStatePage(state: 'completed' | 'cancelled' | 'expired' | 'not_found' | 'busy' | 'unavailable' | 'csrf', s: CheckoutSessionRow | undefined): string {
  const back = (url: string, label: string) => `<p class="fc-actions"><a class="fc-button" data-part="button" data-testid="back" href="${e(withSessionId(url, s!.id))}">${e(label)}</a></p>`;
  let title: string;
  let body: string;
  switch (state) {
    case 'completed':
      title = 'Payment complete';
      body = `<h1>Thank you</h1><p class="fc-notice" data-testid="state">This checkout is complete. Your membership is set up.</p>${back(s!.successUrl, 'Continue')}`;
      break;
    case 'cancelled':
      title = 'Checkout cancelled';
      body = `<h1>Checkout cancelled</h1><p class="fc-notice" data-testid="state">This checkout was cancelled. Nothing was charged.</p>${back(s!.cancelUrl, 'Go back')}`;
      break;
    case 'expired':
      title = 'Checkout expired';
      body = `<h1>This checkout has expired</h1><p class="fc-notice" data-testid="state">Checkout links last 24 hours. Nothing was charged. Please start again from where you came from.</p>${back(s!.cancelUrl, 'Go back')}`;
      break;
    case 'unavailable':
      title = 'Checkout unavailable';
      body = `<h1>This checkout is no longer available</h1><p class="fc-notice" data-testid="state">Nothing was charged. Please start again from where you came from.</p>${back(s!.cancelUrl, 'Go back')}`;
      break;
    case 'busy':
      title = 'Payment in progress';
      body = `<h1>Payment in progress</h1><p class="fc-notice" data-testid="state">Your payment is still being processed. Please wait a moment and <a href="/checkout/${e(s!.id)}">refresh this page</a>.</p>`;
      break;
    case 'csrf':
      title = 'Please try again';
      body = `<h1>Please try again</h1><p class="fc-notice" data-testid="state">This form could not be verified. Nothing was charged. <a href="/checkout/${e(s?.id ?? '')}">Reload the checkout</a> and submit it again.</p>`;
      break;
    default:
      title = 'Checkout not found';
      body = `<h1>Checkout not found</h1><p class="fc-notice" data-testid="state">This checkout link is not valid. Check the link, or start again from where you came from.</p>`;
  }
  return layout({ title, session: state === 'not_found' ? undefined : s, body });
}
