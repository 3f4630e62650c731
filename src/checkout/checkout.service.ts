import { createCompletion } from './checkout-completion.js';
import { createPageData } from './checkout-page-data.js';
import { createPayments } from './checkout-payment.js';
import { createSessions } from './checkout-sessions.js';
import type { CheckoutSessionRow } from './checkout.repository.js';
import type { CheckoutDeps } from './checkout.types.js';

export { csrfMatches } from './checkout-page-data.js';
export { SESSION_TTL_MS, type CheckoutItem, type CheckoutTx, type FormRefusal, type PageModel, type PageOutcome } from './checkout.types.js';

/**
 * Checkout sessions: created by an integration's key, paid on the hosted page through a PaymentProvider,
 * completed exactly once (compare-and-set on status + attempt inside the transaction that creates or links the
 * member and creates the membership). Its parts: sessions, the pages' data, payment, completion.
 */
export function createCheckoutService(deps: CheckoutDeps) {
  const completion = createCompletion(deps);
  const pages = createPageData(deps, completion.expireIfDue);
  const sessions = createSessions(deps, pages, completion.expireIfDue);
  const payments = createPayments(deps, pages, completion);
  return {
    create: sessions.create,
    get: sessions.get,
    page: pages.page,
    confirmPage: pages.confirmPage,
    pay: payments.pay,
    confirm: payments.confirm,
    cancel: sessions.cancel,
    mandateDecided: completion.mandateDecided,
    expireDue: completion.expireDue,
    /** The CSRF token of a session (the page embeds it in every form). */
    csrfToken: (s: CheckoutSessionRow) => s.csrfToken,
    provider: deps.provider,
  };
}
export type CheckoutService = ReturnType<typeof createCheckoutService>;
