import { AppError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import type { CheckoutSessionRow, PaymentRow } from './checkout.repository.js';
import { checkForm, type CheckedForm, type CustomerDetails, type FormFields } from './checkout-form.js';
import type { Completion } from './checkout-completion.js';
import { csrfMatches, detailsFields, type PageData } from './checkout-page-data.js';
import { effectiveStatus, type CheckoutDeps, type CheckoutItem, type PageOutcome } from './checkout.types.js';
import type { CardOutcome, PaymentContext } from './payment-provider.js';
import { withSessionId } from './redirect-urls.js';

/** How long one payment attempt may hold a session (a crashed attempt frees it after this). */
const LOCK_MS = 60_000;
/** How long a second submit waits for the first to finish before answering. */
const WAIT_MS = 15_000;
/** Payment attempts allowed per session: bounds card testing through one checkout link. */
const MAX_ATTEMPTS = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A provider outage becomes 503 unavailable (the cause stays in the log, never on the page). */
async function callProvider<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw Object.assign(new AppError('unavailable', 'The payment provider could not be reached.'), { cause: err });
  }
}

/**
 * Payment on the hosted page: one attempt at a time per session (a lock with a deadline), the card (with its
 * confirmation step) or a direct-debit mandate through the PaymentProvider, then completion.
 */
export function createPayments(deps: Pick<CheckoutDeps, 'repo' | 'provider' | 'members' | 'clock'>, pages: PageData, completion: Completion) {
  const { repo, provider, clock } = deps;

  function paymentContext(s: CheckoutSessionRow, attempt: number, customer: { firstName: string; lastName: string; email: string }): PaymentContext {
    const item = JSON.parse(s.item) as CheckoutItem;
    return {
      environmentId: s.environmentId,
      checkoutSessionId: s.id,
      idempotencyKey: `${s.id}:${attempt}`,
      amountPence: s.amountPence,
      currency: s.currency,
      description: `${item.name} at ${item.siteName}`,
      customer,
    };
  }

  /** Takes the session for one payment attempt, waiting for a concurrent attempt (a double submit) to finish. */
  async function acquire(id: string): Promise<{ s: CheckoutSessionRow; attempt: number } | { outcome: PageOutcome }> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const now = clock.now();
      const attempt = await repo.lock(id, now.toISOString(), new Date(now.getTime() + LOCK_MS).toISOString());
      const s = await repo.findById(id);
      if (!s) return { outcome: { kind: 'state', session: undefined, state: 'not_found' } };
      if (attempt !== undefined) return { s, attempt };
      const status = effectiveStatus(s, clock.now());
      // Completed by the other submit: answer as it did, so a double submit lands on the success URL too.
      if (status === 'completed') return { outcome: { kind: 'redirect', url: withSessionId(s.successUrl, s.id) } };
      if (status !== 'open') return { outcome: { kind: 'state', session: s, state: status } };
      if (Date.now() > deadline) return { outcome: { kind: 'state', session: s, state: 'busy' } };
      await sleep(100);
    }
  }

  function paymentRow(s: CheckoutSessionRow, attempt: number, p: Pick<PaymentRow, 'method' | 'status' | 'providerRef' | 'cardBrand' | 'cardLast4'>): PaymentRow {
    const now = clock.now().toISOString();
    return {
      id: newId('pay'),
      environmentId: s.environmentId,
      checkoutSessionId: s.id,
      attempt,
      provider: provider.name,
      amountPence: s.amountPence,
      currency: s.currency,
      failureReason: null,
      createdAt: now,
      updatedAt: now,
      ...p,
    };
  }

  async function customerName(s: CheckoutSessionRow, form: CheckedForm): Promise<{ firstName: string; lastName: string; email: string }> {
    if (form.customer) return form.customer;
    const m = s.customerMemberId ? await deps.members.find(s.environmentId, s.customerMemberId) : undefined;
    return { firstName: m?.firstName ?? '', lastName: m?.lastName ?? '', email: m?.email ?? '' };
  }

  async function afterCard(s: CheckoutSessionRow, attempt: number, outcome: CardOutcome, fields: FormFields, details: CustomerDetails | null, existing?: PaymentRow): Promise<PageOutcome> {
    const now = clock.now().toISOString();
    if (outcome.status === 'declined') {
      if (existing) await repo.setPaymentStatus(existing.id, 'requires_action', 'failed', now, outcome.reason);
      await repo.unlock(s.id, attempt, now, null);
      return pages.formAgain(s, fields, {}, 'payment_declined', outcome.reason);
    }
    if (outcome.status === 'requires_action') {
      await repo.insertPayment(paymentRow(s, attempt, { method: 'card', status: 'requires_action', providerRef: outcome.providerRef, cardBrand: outcome.brand, cardLast4: outcome.last4 }));
      await repo.unlock(s.id, attempt, now, JSON.stringify(details));
      return { kind: 'redirect', url: `/checkout/${s.id}/confirm` };
    }
    const payment = existing
      ? { ...existing, status: 'succeeded' as const, updatedAt: now }
      : paymentRow(s, attempt, { method: 'card', status: 'succeeded', providerRef: outcome.providerRef, cardBrand: outcome.brand, cardLast4: outcome.last4 });
    if (!(await completion.complete(s, attempt, details, payment, existing !== undefined))) {
      const again = await repo.findById(s.id);
      return again && effectiveStatus(again, clock.now()) === 'completed' ? { kind: 'redirect', url: withSessionId(again.successUrl, again.id) } : { kind: 'state', session: again, state: 'busy' };
    }
    return { kind: 'redirect', url: withSessionId(s.successUrl, s.id) };
  }

  return {
    /** The customer submits details and payment. */
    async pay(id: string, fields: FormFields): Promise<PageOutcome> {
      const r = await pages.openSession(id);
      if ('outcome' in r) return r.outcome.kind === 'state' && r.outcome.state === 'completed' && r.outcome.session ? { kind: 'redirect', url: withSessionId(r.outcome.session.successUrl, id) } : r.outcome;
      if (!csrfMatches(r.s.csrfToken, fields.csrf)) return { kind: 'csrf', session: r.s };
      if (r.s.attempt >= MAX_ATTEMPTS) return pages.formAgain(r.s, fields, {}, 'too_many_attempts', 'Too many payment attempts for this checkout. Please start again from where you came from.');
      const model = await pages.pageModel(r.s);
      const { form, errors } = checkForm(fields, { askDetails: !r.s.customerMemberId, methods: model.methods, now: clock.now() });
      if (!form) return pages.formAgain(r.s, fields, errors, 'invalid_form', 'Check the highlighted fields.');

      const held = await acquire(id);
      if ('outcome' in held) return held.outcome;
      const { s, attempt } = held;
      try {
        const ctx = paymentContext(s, attempt, await customerName(s, form));
        const payment = form.payment;
        if (payment.method === 'card') {
          const outcome = await callProvider(() => provider.chargeCard(ctx, payment.card));
          return await afterCard(s, attempt, outcome, fields, form.customer);
        }
        const mandate = await callProvider(() => provider.createMandate(ctx, payment.bank));
        if (mandate.status === 'failed') {
          await repo.unlock(s.id, attempt, clock.now().toISOString(), null);
          return pages.formAgain(s, fields, {}, 'payment_declined', mandate.reason);
        }
        const row = paymentRow(s, attempt, { method: 'direct_debit', status: 'pending', providerRef: mandate.mandateRef, cardBrand: null, cardLast4: null });
        await completion.complete(s, attempt, form.customer, row, false);
        return { kind: 'redirect', url: withSessionId(s.successUrl, s.id) };
      } catch (err) {
        await repo.unlock(s.id, attempt, clock.now().toISOString());
        throw err;
      }
    },

    /** The customer answers the card's confirmation step. */
    async confirm(id: string, fields: FormFields): Promise<PageOutcome> {
      const r = await pages.openSession(id);
      if ('outcome' in r) return r.outcome.kind === 'state' && r.outcome.state === 'completed' && r.outcome.session ? { kind: 'redirect', url: withSessionId(r.outcome.session.successUrl, id) } : r.outcome;
      if (!csrfMatches(r.s.csrfToken, fields.csrf)) return { kind: 'csrf', session: r.s };
      const held = await acquire(id);
      if ('outcome' in held) return held.outcome;
      const { s, attempt } = held;
      try {
        const existing = await repo.pendingActionPayment(s.id);
        if (!existing) {
          await repo.unlock(s.id, attempt, clock.now().toISOString());
          return { kind: 'redirect', url: `/checkout/${s.id}` };
        }
        const details = s.pendingCustomer ? (JSON.parse(s.pendingCustomer) as CustomerDetails | null) : null;
        const name = details ?? (await customerName(s, { customer: null, payment: { method: 'card', card: { number: '', expMonth: 0, expYear: 0, cvc: '' } } }));
        const outcome = await callProvider(() => provider.confirmCardAction(paymentContext(s, attempt, name), existing.providerRef, fields.outcome === 'approve'));
        return await afterCard(s, attempt, outcome, details ? { ...detailsFields(details), method: 'card', terms: 'yes' } : { method: 'card', terms: 'yes' }, details, existing);
      } catch (err) {
        await repo.unlock(s.id, attempt, clock.now().toISOString());
        throw err;
      }
    },
  };
}
