import { createHash } from 'node:crypto';
import { createElement, type InputHTMLAttributes, type ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { logoUrl } from '../logos/logos.service.js';
import { CheckoutButton, CheckoutHeader, ItemHeadline, money, priceTerms, type ItemView } from './checkout-components.js';
import { CHECKOUT_CSS } from './checkout-css.js';
import type { FormErrors, FormFields } from './checkout-form.js';
import type { CheckoutSessionRow, PaymentRow } from './checkout.repository.js';
import type { PageModel } from './checkout.service.js';
import { withSessionId } from './redirect-urls.js';
import { checkoutTheme, type CheckoutTheme } from './theme.js';
import { boundedCache } from './bounded-cache.js';
import { compileTemplate, fillTemplate, spellsMarker, type PageTemplate } from './page-template.js';

/*
 * The hosted checkout pages, rendered from React components by react-dom/server (text and attributes are
 * escaped by React; the one exception is the checkout form, the page most viewed: React draws it once per
 * shape and each request fills in its session's text with React's own escaping — page-template.ts). The header, price line and main button are the components the console's
 * preview renders too (checkout-components.tsx). The pages carry no scripts and no inline styles: the CSP
 * (checkout.pages.routes.ts) allows same-origin stylesheets only, and the theme arrives as a stylesheet file.
 */

/** The stylesheet's content address: the file can be cached for a year. */
export const CSS_HASH = createHash('sha256').update(CHECKOUT_CSS).digest('hex').slice(0, 16);
/** The stylesheet's URL. */
const CSS_URL = `/checkout/assets/checkout.${CSS_HASH}.css`;

/** The URL of the theme stylesheet for two resolved colours (content-addressed by the colours themselves). */
function themeUrl(t: CheckoutTheme): string {
  return `/checkout/assets/theme-${t.primary.slice(1)}-${t.secondary.slice(1)}.css`;
}

/**
 * The document around every page, rendered by React once at startup with two slots (an element no escaped
 * text can spell): per request React renders only what changes — the title, the theme, the header and the
 * body — and the page is the constant parts with those two renders in the slots.
 */
const SLOT = 'fc-slot';
const SLOT_HTML = `<${SLOT}></${SLOT}>`;
const Slot = () => createElement(SLOT);
const [DOC_HEAD, DOC_BODY, DOC_END] = renderToStaticMarkup(
  <html lang="en-GB">
    <head>
      <meta charSet="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="no-referrer" />
      <Slot />
    </head>
    <body className="fc">
      <div className="fc-page">
        <Slot />
      </div>
      <p className="fc-foot">Payments are processed securely. Powered by FLOW.</p>
    </body>
  </html>,
).split(SLOT_HTML);

/** A whole page: the title and theme go into the document's head, the header and content into its body. */
function page(title: string, s: CheckoutSessionRow | undefined, children: ReactNode): string {
  const theme = checkoutTheme(s?.primaryColour, s?.secondaryColour);
  const [head, body] = renderToStaticMarkup(
    <>
      <title>{title}</title>
      <link rel="stylesheet" href={CSS_URL} />
      <link rel="stylesheet" href={themeUrl(theme)} />
      <Slot />
      <CheckoutHeader logoUrl={s?.logoSha256 ? logoUrl(s.logoSha256) : null} operatorName={s?.operatorName ?? 'FLOW'} />
      <main className="fc-body">{children}</main>
    </>,
  ).split(SLOT_HTML);
  // React does not write a doctype for a static render.
  return '<!doctype html>' + DOC_HEAD + head + DOC_BODY + body + DOC_END;
}

function Line({ label, children, total }: { label: string; children: ReactNode; total?: boolean }) {
  return (
    <div className={total ? 'fc-line fc-total' : 'fc-line'}>
      <dt>{label}</dt>
      {children}
    </div>
  );
}

function Summary({ item, amountPence, currency }: { item: ItemView; amountPence: number; currency: string }) {
  const terms = priceTerms(item);
  return (
    <>
      <ItemHeadline item={item} currency={currency} />
      <p>
      <span className="fc-badge" data-testid="payment-type">
        {terms.badge}
      </span>
      </p>
      <dl className="fc-lines">
      <Line label="Membership">
        <dd>{item.name}</dd>
      </Line>
      <Line label="Site">
        <dd>{item.siteName}</dd>
      </Line>
      <Line label="Price">
        <dd>{`${money(item.pricePence, currency)} ${terms.label}`}</dd>
      </Line>
      {item.joiningFeePence > 0 && (
        <Line label="Joining fee">
          <dd>{money(item.joiningFeePence, currency)}</dd>
        </Line>
      )}
      <Line label="Due today" total>
        <dd data-testid="due-today">{money(amountPence, currency)}</dd>
      </Line>
      </dl>
    </>
  );
}

/** A field's error, tied to its input by id. */
function FieldError({ name, errors }: { name: string; errors: FormErrors }) {
  const err = errors[name];
  return err ? (
    <p className="fc-error" id={`f-${name}-error`} data-error-for={name}>
      {err}
    </p>
  ) : null;
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'name' | 'defaultValue'>;

function Field({ name, label, values, errors, input, hint }: { name: string; label: string; values: FormFields; errors: FormErrors; input: InputProps; hint?: string }) {
  const err = errors[name];
  const id = `f-${name}`;
  const described = [hint ? `${id}-hint` : '', err ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className={err ? 'fc-field fc-invalid' : 'fc-field'}>
      <label htmlFor={id}>{label}</label>
      <input id={id} name={name} defaultValue={values[name] ?? ''} {...input} aria-invalid={err ? 'true' : undefined} aria-describedby={described || undefined} />
      {hint && (
      <p className="fc-hint" id={`${id}-hint`}>
        {hint}
      </p>
      )}
      <FieldError name={name} errors={errors} />
    </div>
  );
}

function Checkbox({ name, label, values, errors }: { name: string; label: string; values: FormFields; errors: FormErrors }) {
  const err = errors[name];
  return (
    <div className={err ? 'fc-field fc-invalid' : 'fc-field'}>
      <label className="fc-check">
      <input
        type="checkbox"
        id={`f-${name}`}
        name={name}
        value="yes"
        defaultChecked={values[name] === 'yes'}
        aria-invalid={err ? 'true' : undefined}
        aria-describedby={err ? `f-${name}-error` : undefined}
      />{' '}
      <span>{label}</span>
      </label>
      <FieldError name={name} errors={errors} />
    </div>
  );
}

/** The session's CSRF token, posted back with every form. */
function Csrf({ session }: { session: CheckoutSessionRow }) {
  return <input type="hidden" name="csrf" value={session.csrfToken} />;
}

const NAME: InputProps = { type: 'text', maxLength: 100 };
const NUMERIC: InputProps = { type: 'text', inputMode: 'numeric' };

function Details({ model, values, errors }: { model: PageModel; values: FormFields; errors: FormErrors }) {
  const f = { values, errors };
  if (model.member)
    return (
      <>
      <h2>Your details</h2>
      <p className="fc-notice" data-testid="member">
        Buying for <strong>{`${model.member.firstName} ${model.member.lastName}`}</strong>
        {` (member ${model.member.memberNumber}).`}
      </p>
      </>
    );
  return (
    <>
      <h2>Your details</h2>
      <div className="fc-row">
      <Field name="firstName" label="First name" {...f} input={{ ...NAME, autoComplete: 'given-name', required: true }} />
      <Field name="lastName" label="Last name" {...f} input={{ ...NAME, autoComplete: 'family-name', required: true }} />
      </div>
      <Field name="email" label="Email" {...f} input={{ type: 'email', autoComplete: 'email', maxLength: 254, required: true }} />
      <div className="fc-row">
      <Field name="phone" label="Phone (optional)" {...f} input={{ type: 'tel', autoComplete: 'tel', maxLength: 30 }} />
      <Field name="dateOfBirth" label="Date of birth (optional)" {...f} input={{ type: 'date', autoComplete: 'bday' }} />
      </div>
      <Checkbox name="marketingOptIn" label="Send me news and offers by email" {...f} />
    </>
  );
}

function Method({ value, label, checked }: { value: 'card' | 'direct_debit'; label: string; checked: boolean }) {
  return (
    <label className="fc-method">
      <input type="radio" id={`method-${value}`} name="method" value={value} defaultChecked={checked} /> <span>{label}</span>
    </label>
  );
}

function CheckoutForm({ model: m, values, errors, alert }: { model: PageModel; values: FormFields; errors: FormErrors; alert?: string }) {
  const s = m.session;
  const method = values.method === 'direct_debit' && m.methods.includes('direct_debit') ? 'direct_debit' : 'card';
  // Card numbers, security codes and account numbers are never shown again.
  const blank: FormFields = {};
  return (
    <>
      <h1>Checkout</h1>
      {alert && (
      <div className="fc-alert" role="alert" data-testid="alert">
        {alert}
      </div>
      )}
      <Summary item={m.item} amountPence={s.amountPence} currency={s.currency} />
      <form method="post" action={`/checkout/${s.id}/pay`} className="fc-pay" noValidate>
      <Csrf session={s} />
      <Details model={m} values={values} errors={errors} />
      <h2>Payment</h2>
      {m.methods.length > 1 ? (
        <fieldset className="fc-methods">
          <legend className="fc-sr">Payment method</legend>
          <Method value="card" label="Card" checked={method === 'card'} />
          <Method value="direct_debit" label="Direct Debit" checked={method === 'direct_debit'} />
        </fieldset>
      ) : (
        <input type="hidden" name="method" value="card" />
      )}
      {errors.method && (
        <p className="fc-error" data-error-for="method">
          {errors.method}
        </p>
      )}
      <fieldset className="fc-card-fields">
        <legend className="fc-sr">Card</legend>
        <Field name="cardNumber" label="Card number" values={blank} errors={errors} input={{ ...NUMERIC, autoComplete: 'cc-number', maxLength: 23, placeholder: '1234 1234 1234 1234' }} />
        <div className="fc-row">
          <Field name="cardExpiry" label="Expiry (MM/YY)" values={values} errors={errors} input={{ ...NUMERIC, autoComplete: 'cc-exp', maxLength: 7, placeholder: 'MM/YY' }} />
          <Field name="cardCvc" label="Security code" values={blank} errors={errors} input={{ ...NUMERIC, autoComplete: 'cc-csc', maxLength: 3, placeholder: '123' }} />
        </div>
      </fieldset>
      {m.methods.includes('direct_debit') && (
        <fieldset className="fc-dd-fields">
          <legend className="fc-sr">Direct Debit</legend>
          <Field name="accountHolder" label="Account holder name" values={values} errors={errors} input={{ type: 'text', autoComplete: 'name', maxLength: 100 }} />
          <div className="fc-row">
            <Field name="sortCode" label="Sort code" values={blank} errors={errors} input={{ ...NUMERIC, maxLength: 8, placeholder: '20-00-00' }} />
            <Field name="accountNumber" label="Account number" values={blank} errors={errors} input={{ ...NUMERIC, maxLength: 8, placeholder: '12345678' }} />
          </div>
          <Checkbox
            name="ddConfirm"
            label="I am the account holder and can authorise Direct Debits on this account. Your membership starts as pending until the bank confirms the mandate."
            values={values}
            errors={errors}
          />
        </fieldset>
      )}
      <Checkbox name="terms" label={`I agree to the membership terms and conditions of ${s.operatorName}.`} values={values} errors={errors} />
      <div className="fc-actions">
        <CheckoutButton type="submit" data-testid="pay">{`Pay ${money(s.amountPence, s.currency)}`}</CheckoutButton>
      </div>
      </form>
      <form method="post" action={`/checkout/${s.id}/cancel`}>
      <Csrf session={s} />
      <button className="fc-secondary-button" type="submit" data-testid="cancel">
        Cancel and go back
      </button>
      </form>
    </>
  );
}

/** The checkout form drawn by React itself (a refused submit; and what every template must equal). */
export function renderForm(m: PageModel, values: FormFields, errors: FormErrors, alert?: string): string {
  return page(`Checkout – ${m.session.operatorName}`, m.session, <CheckoutForm model={m} values={values} errors={errors} alert={alert} />);
}

/** The form's text fields a customer types into (shown again as typed); the card and account numbers never are. */
const TYPED = ['firstName', 'lastName', 'email', 'phone', 'dateOfBirth', 'cardExpiry', 'accountHolder'] as const;
/** The boxes and the payment method: which are ticked changes the markup, so they are part of a form's shape. */
const TICKED = ['marketingOptIn', 'terms', 'ddConfirm'] as const;

/** What a form page's markup depends on besides its slots: the key's theme and operator, the item, the ticks. */
function formShape(m: PageModel, values: FormFields): string {
  const s = m.session;
  // The item as stored (m.item is its parse, see pageModel): JSON text has no raw control character, so the
  // NUL cannot be confused with its content, and the item need not be serialised again per page view.
  return `${s.item}\u0000${JSON.stringify([s.operatorName, s.logoSha256, s.primaryColour, s.secondaryColour, s.amountPence, s.currency, m.methods, m.member !== null, values.method, ...TICKED.map((f) => values[f])])}`;
}

/** The form's per-session text, in slot order: the session id, its CSRF token, the typed fields, the named member. */
function formSlots(m: PageModel, values: FormFields): string[] {
  return [m.session.id, m.session.csrfToken, ...TYPED.map((f) => values[f] ?? ''), m.member?.firstName ?? '', m.member?.lastName ?? '', m.member?.memberNumber ?? ''];
}

/** The form of a shape drawn by React with markers for slots (see formSlots). */
function compileForm(m: PageModel, values: FormFields): PageTemplate {
  const s = m.session;
  return compileTemplate(TYPED.length + 5, ([id, csrf, ...rest]) => {
    const typed = rest.slice(0, TYPED.length);
    const [first, last, number] = rest.slice(TYPED.length);
    // Only what the shape holds: a session field the form started to use without being in formShape would
    // render empty here (and fail the tests comparing templates with React), never leak into other sessions.
    const session = { id, csrfToken: csrf, operatorName: s.operatorName, logoSha256: s.logoSha256, primaryColour: s.primaryColour, secondaryColour: s.secondaryColour, amountPence: s.amountPence, currency: s.currency };
    const shapeValues: FormFields = { method: values.method, ...Object.fromEntries(TICKED.map((f) => [f, values[f]])), ...Object.fromEntries(TYPED.map((f, i) => [f, typed[i]])) };
    const model: PageModel = { session: session as CheckoutSessionRow, item: m.item, methods: m.methods, member: m.member && { firstName: first, lastName: last, memberNumber: number } };
    return renderForm(model, shapeValues, {});
  });
}

/**
 * Form templates by shape. A shape is a key's theme and operator with one item at one price (and which boxes
 * are ticked), so a few hundred cover every live checkout; a changed theme, name or price is another shape.
 */
const FORMS = boundedCache<PageTemplate>(500);

/** The checkout form: what is bought, the customer's details, terms, payment, and a way back (as UTF-8). */
export function renderCheckoutPage(m: PageModel, values: FormFields, errors: FormErrors, alert?: string): Buffer {
  // A refused submit (errors, an alert) is drawn as it is; the form as first shown comes from its shape's template.
  if (alert === undefined && Object.keys(errors).length === 0) {
    const shape = formShape(m, values);
    if (!spellsMarker(shape)) return fillTemplate(FORMS.get(shape, () => compileForm(m, values)), formSlots(m, values));
  }
  return Buffer.from(renderForm(m, values, errors, alert), 'utf8');
}

/** The test provider's confirmation step (what 3-D Secure looks like in test mode). */
export function renderConfirmPage(m: PageModel, payment: PaymentRow): string {
  const s = m.session;
  return page(
    `Confirm payment – ${s.operatorName}`,
    s,
    <>
      <h1>Confirm your payment</h1>
      <p className="fc-notice">
        Your bank asks you to confirm this payment of <strong>{money(payment.amountPence, payment.currency)}</strong>
        {` with your ${payment.cardBrand ?? 'card'} ending ${payment.cardLast4 ?? ''}. (Test mode: choose the outcome.)`}
      </p>
      <Summary item={m.item} amountPence={s.amountPence} currency={s.currency} />
      <form method="post" action={`/checkout/${s.id}/confirm`}>
        <Csrf session={s} />
        <input type="hidden" name="outcome" value="approve" />
        <CheckoutButton type="submit" data-testid="confirm">
          Confirm payment
        </CheckoutButton>
      </form>
      <form method="post" action={`/checkout/${s.id}/confirm`}>
        <Csrf session={s} />
        <input type="hidden" name="outcome" value="reject" />
        <button className="fc-secondary-button" type="submit" data-testid="reject">
          Do not confirm
        </button>
      </form>
    </>,
  );
}

/** The page for a request that failed (bad form body, provider outage, a bug): no detail, a way back. */
export function renderErrorPage(status: number, sessionId: string | undefined): string {
  const title = status === 413 ? 'Form too large' : status >= 500 ? 'Something went wrong' : 'This request could not be handled';
  const text = status >= 500 ? 'We could not complete this step. If a payment was taken it will show when you return to the checkout.' : 'The form could not be read.';
  return page(
    title,
    undefined,
    <>
      <h1>{title}</h1>
      <p className="fc-notice" data-testid="state">
        {text}
        {sessionId && /^cs_[0-9A-Za-z]{22}$/.test(sessionId) && (
          <>
            {' '}
            <a href={`/checkout/${sessionId}`}>Return to the checkout</a> and try again.
          </>
        )}
      </p>
    </>,
  );
}

type State = 'completed' | 'cancelled' | 'expired' | 'not_found' | 'busy' | 'unavailable' | 'csrf';

/** A closed session's way back to the integration (its success or cancel URL, with the session id). */
function Back({ url, session, children }: { url: string; session: CheckoutSessionRow; children: string }) {
  return (
    <p className="fc-actions">
      <a className="fc-button" data-part="button" data-testid="back" href={withSessionId(url, session.id)}>
        {children}
      </a>
    </p>
  );
}

function Notice({ children }: { children: ReactNode }) {
  return (
    <p className="fc-notice" data-testid="state">
      {children}
    </p>
  );
}

function stateContent(state: State, s: CheckoutSessionRow | undefined): { title: string; body: ReactNode } {
  switch (state) {
    case 'completed':
      return {
        title: 'Payment complete',
        body: (
          <>
            <h1>Thank you</h1>
            <Notice>This checkout is complete. Your membership is set up.</Notice>
            <Back url={s!.successUrl} session={s!}>
              Continue
            </Back>
          </>
        ),
      };
    case 'cancelled':
      return {
        title: 'Checkout cancelled',
        body: (
          <>
            <h1>Checkout cancelled</h1>
            <Notice>This checkout was cancelled. Nothing was charged.</Notice>
            <Back url={s!.cancelUrl} session={s!}>
              Go back
            </Back>
          </>
        ),
      };
    case 'expired':
      return {
        title: 'Checkout expired',
        body: (
          <>
            <h1>This checkout has expired</h1>
            <Notice>Checkout links last 24 hours. Nothing was charged. Please start again from where you came from.</Notice>
            <Back url={s!.cancelUrl} session={s!}>
              Go back
            </Back>
          </>
        ),
      };
    case 'unavailable':
      return {
        title: 'Checkout unavailable',
        body: (
          <>
            <h1>This checkout is no longer available</h1>
            <Notice>Nothing was charged. Please start again from where you came from.</Notice>
            <Back url={s!.cancelUrl} session={s!}>
              Go back
            </Back>
          </>
        ),
      };
    case 'busy':
      return {
        title: 'Payment in progress',
        body: (
          <>
            <h1>Payment in progress</h1>
            <Notice>
              Your payment is still being processed. Please wait a moment and <a href={`/checkout/${s!.id}`}>refresh this page</a>.
            </Notice>
          </>
        ),
      };
    case 'csrf':
      return {
        title: 'Please try again',
        body: (
          <>
            <h1>Please try again</h1>
            <Notice>
              This form could not be verified. Nothing was charged. <a href={`/checkout/${s?.id ?? ''}`}>Reload the checkout</a> and submit it again.
            </Notice>
          </>
        ),
      };
    default:
      return {
        title: 'Checkout not found',
        body: (
          <>
            <h1>Checkout not found</h1>
            <Notice>This checkout link is not valid. Check the link, or start again from where you came from.</Notice>
          </>
        ),
      };
  }
}

/** The page for a session that is no longer open (or never existed). */
export function renderStatePage(state: State, s: CheckoutSessionRow | undefined): string {
  const { title, body } = stateContent(state, s);
  return page(title, state === 'not_found' ? undefined : s, body);
}
