import { sameSecret } from '../kernel/crypto.js';
import type { CheckoutSessionRow, PaymentRow } from './checkout.repository.js';
import { redisplayValues, type CustomerDetails, type FormErrors, type FormFields } from './checkout-form.js';
import { effectiveStatus, SESSION_ID, type CheckoutDeps, type CheckoutItem, type FormRefusal, type PageModel, type PageOutcome } from './checkout.types.js';

/** Constant-time comparison of a posted CSRF token with the session's. */
export function csrfMatches(expected: string, given: string | undefined): boolean {
  return typeof given === 'string' && sameSecret(expected, given);
}

/** A customer's details as form fields (the confirmation step redisplays them). */
export function detailsFields(d: CustomerDetails): FormFields {
  return { firstName: d.firstName, lastName: d.lastName, email: d.email, phone: d.phone ?? '', dateOfBirth: d.dateOfBirth ?? '', marketingOptIn: d.marketingOptIn ? 'yes' : '' };
}

/** The data of the hosted pages: the open session a page acts on, what the form shows, the confirmation step. */
export function createPageData(deps: Pick<CheckoutDeps, 'repo' | 'provider' | 'members' | 'clock'>, expireIfDue: (s: CheckoutSessionRow) => Promise<CheckoutSessionRow | undefined>) {
  const { repo, provider, clock } = deps;

  async function pageModel(s: CheckoutSessionRow): Promise<PageModel> {
    let member: PageModel['member'] = null;
    if (s.customerMemberId) {
      const m = await deps.members.find(s.environmentId, s.customerMemberId);
      if (m) member = { firstName: m.firstName, lastName: m.lastName, memberNumber: m.memberNumber };
    }
    const item = JSON.parse(s.item) as CheckoutItem;
    // Direct Debit suits ongoing payments only; one-off and fixed-term purchases are card-only.
    const methods = provider.methods.filter((m) => m === 'card' || item.paymentType === 'recurring');
    return { session: s, item, member, methods };
  }

  function prefill(s: CheckoutSessionRow): FormFields {
    return { firstName: s.customerFirstName ?? '', lastName: s.customerLastName ?? '', email: s.customerEmail ?? '', method: 'card' };
  }

  async function formAgain(s: CheckoutSessionRow, fields: FormFields, errors: FormErrors, refusal?: FormRefusal, alert?: string): Promise<PageOutcome> {
    return { kind: 'form', model: await pageModel(s), values: redisplayValues(fields), errors, alert, refusal };
  }

  /** Loads an open session for a page action, or the state page to show instead. */
  async function openSession(id: string): Promise<{ s: CheckoutSessionRow } | { outcome: PageOutcome }> {
    const found = SESSION_ID.test(id) ? await repo.findWithIssuer(id) : undefined;
    if (!found) return { outcome: { kind: 'state', session: undefined, state: 'not_found' } };
    // First seen expired: stored so (with its event) once.
    const s = (await expireIfDue(found.session)) ?? found.session;
    const status = effectiveStatus(s, clock.now());
    if (status !== 'open') return { outcome: { kind: 'state', session: s, state: status } };
    // A revoked key cuts its integration off at once, open checkouts included.
    if (!found.issuerActive) return { outcome: { kind: 'state', session: s, state: 'unavailable' } };
    return { s };
  }

  return {
    pageModel,
    formAgain,
    openSession,
    /** The hosted page for a session: the form while open, else the page for its state. */
    async page(id: string): Promise<PageOutcome> {
      const r = await openSession(id);
      if ('outcome' in r) return r.outcome;
      return { kind: 'form', model: await pageModel(r.s), values: prefill(r.s), errors: {} };
    },

    /** The confirmation step of a card that asked for one. */
    async confirmPage(id: string): Promise<PageOutcome | { kind: 'confirm'; model: PageModel; payment: PaymentRow }> {
      const r = await openSession(id);
      if ('outcome' in r) return r.outcome;
      const payment = await repo.pendingActionPayment(r.s.id);
      if (!payment) return { kind: 'redirect', url: `/checkout/${r.s.id}` };
      return { kind: 'confirm', model: await pageModel(r.s), payment };
    },
  };
}
export type PageData = ReturnType<typeof createPageData>;
