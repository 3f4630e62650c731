import type { Actor } from '../audit/audit.repository.js';
import { AppError } from '../kernel/errors.js';
import type { Member } from '../members/members.repository.js';
import { dateIn } from '../kernel/time.js';
import type { CheckoutSessionRow, PaymentRow } from './checkout.repository.js';
import type { CustomerDetails } from './checkout-form.js';
import type { CheckoutDeps, CheckoutItem, CheckoutTx } from './checkout.types.js';
import { sessionView } from './checkout-view.js';
import { webhookEvents } from '../webhooks/event-payloads.js';

function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), Math.min(d, last))).toISOString().slice(0, 10);
}

class AlreadyCompleted extends Error {}

/**
 * Completion: a paid session becomes a member (through the members service) and a membership (through the
 * memberships service) exactly once — compare-and-set on status + attempt inside the one transaction that writes
 * them; and a direct-debit mandate decided later moves that membership on through its owner.
 */
export function createCompletion(deps: Pick<CheckoutDeps, 'repo' | 'store' | 'members' | 'memberships' | 'environments' | 'clock' | 'publicUrl'>) {
  const { repo, store, clock } = deps;
  const baseUrl = (deps.publicUrl ?? '').replace(/\/+$/, '');

  /**
   * The member a completed checkout is for: the named member; else an existing member with the same email and
   * name (exactly one, so families sharing an email are never merged); else a new member.
   */
  async function memberFor(tx: CheckoutTx, s: CheckoutSessionRow, details: CustomerDetails | null, actor: Actor): Promise<Member> {
    if (s.customerMemberId) {
      const m = await tx.members.find(s.customerMemberId, s.environmentId);
      if (!m) throw new AppError('conflict', 'The member this checkout was for no longer exists.');
      return m;
    }
    if (!details) throw new AppError('internal', 'checkout completed without customer details');
    // The members service's matching and rules, inside this transaction; the site joined at becomes the home site.
    const { firstName, lastName, email, dateOfBirth, phone, marketingOptIn } = details;
    return (await deps.members.matchOrCreateIn(tx, s.environmentId, { firstName, lastName, email, dateOfBirth: dateOfBirth ?? undefined, phone: phone ?? undefined, marketingOptIn, homeSiteId: s.siteId }, actor)).member;
  }

  /**
   * Completes a session once: moves it from open (this attempt) to completed, records the payment, creates or
   * links the member and creates the membership, all in one transaction. Returns false when another request
   * completed it first (nothing is written then).
   */
  async function complete(s: CheckoutSessionRow, attempt: number, details: CustomerDetails | null, payment: PaymentRow, existingPayment: boolean): Promise<boolean> {
    const env = await deps.environments.findById(s.environmentId);
    const item = JSON.parse(s.item) as CheckoutItem;
    const actor: Actor = { type: 'public', id: s.id, label: 'hosted checkout', ip: null };
    try {
      await store.transaction(async (tx) => {
        const now = clock.now().toISOString();
        // Compare-and-set first: a second completion stops here, before writing anything.
        if (!(await tx.checkout.complete(s.id, attempt, { now }))) throw new AlreadyCompleted();
        if (existingPayment) {
          if (!(await tx.checkout.setPaymentStatus(payment.id, 'requires_action', payment.status, now, null))) throw new AlreadyCompleted();
        } else {
          await tx.checkout.insertPayment(payment);
        }
        const member = await memberFor(tx, s, details, actor);
        const startDate = dateIn(clock.now(), env?.timeZone ?? 'Europe/London');
        const membership = await deps.memberships.createIn(
          tx,
          s.environmentId,
          {
            memberId: member.id,
            membershipTypeId: s.membershipTypeId,
            siteId: s.siteId,
            status: payment.status === 'pending' ? 'pending' : 'active',
            startDate,
            endDate: item.paymentType === 'fixed' && item.durationMonths ? addMonths(startDate, item.durationMonths) : null,
            pricePence: item.pricePence,
            source: 'checkout',
          },
          actor,
        );
        await tx.checkout.attachResult(s.id, { memberId: member.id, membershipId: membership.id, paymentId: payment.id });
        const done = await tx.checkout.find(s.id, s.environmentId);
        if (done) await tx.webhookEvents.record(webhookEvents.checkoutSessionCompleted(s.environmentId, sessionView(done, await tx.checkout.findPayment(payment.id), baseUrl, clock.now())));
        await tx.audit.record(
          {
            environmentId: s.environmentId,
            actor,
            action: 'checkout.completed',
            targetType: 'checkout_session',
            targetId: s.id,
          changes: { memberId: member.id, membershipId: membership.id, paymentId: payment.id, method: payment.method, paymentStatus: payment.status, amountPence: payment.amountPence },
        });
      });
      return true;
    } catch (err) {
      if (err instanceof AlreadyCompleted) return false;
      throw err;
    }
  }

  /**
   * The first reader of an open session past its expiry (API, hosted page) stores it expired and records
   * checkout.session.expired in the same transaction — claimed with a conditional update, so once.
   * Returns the session as stored after, or undefined when it was not due (or another reader claimed it).
   */
  async function expireIfDue(s: CheckoutSessionRow): Promise<CheckoutSessionRow | undefined> {
    const now = clock.now();
    if (s.status !== 'open' || s.expiresAt > now.toISOString()) return undefined;
    return store.transaction(async (tx) => {
      if (!(await tx.checkout.markExpired(s.id, now.toISOString()))) return undefined;
      const after = await tx.checkout.find(s.id, s.environmentId);
      if (!after) return undefined;
      const payment = after.paymentId ? await tx.checkout.findPayment(after.paymentId) : undefined;
      await tx.webhookEvents.record(webhookEvents.checkoutSessionExpired(s.environmentId, sessionView(after, payment, baseUrl, now)));
      return after;
    });
  }

  /**
   * Expires every open session past its expiry that nobody has read since (the scheduler runs it), so each
   * sends its checkout.session.expired event even when no page or API call looks at it again. Returns how many.
   */
  async function expireDue(limit = 500): Promise<number> {
    let n = 0;
    for (const s of await repo.dueToExpire(clock.now().toISOString(), limit)) if (await expireIfDue(s)) n++;
    return n;
  }

  return {
    complete,
    expireIfDue,
    expireDue,
    /**
     * A provider reports a direct-debit mandate decided (the test provider's confirm endpoint; a real provider's
     * webhook). Active: the payment succeeds and the membership goes pending → active. Failed: the payment fails
     * and the membership is cancelled. Repeats change nothing. Returns the session id, or undefined when unknown.
     */
    async mandateDecided(environmentId: string, providerName: string, mandateRef: string, outcome: 'active' | 'failed', actor: Actor): Promise<string | undefined> {
      const payment = await repo.paymentByProviderRef(environmentId, providerName, mandateRef);
      if (!payment || payment.method !== 'direct_debit') return undefined;
      const s = await repo.find(payment.checkoutSessionId, environmentId);
      if (!s) return undefined;
      await store.transaction(async (tx) => {
        const now = clock.now().toISOString();
        if (!(await tx.checkout.setPaymentStatus(payment.id, 'pending', outcome === 'active' ? 'succeeded' : 'failed', now, outcome === 'failed' ? 'The Direct Debit mandate failed.' : null))) return;
        const ms = s.membershipId ? await tx.memberships.find(s.membershipId, environmentId) : undefined;
        // The memberships service owns status changes: a mandate decides a pending membership through it.
        if (ms && ms.status === 'pending') {
          if (outcome === 'active') await deps.memberships.setStatusIn(tx, environmentId, ms.id, 'active', actor);
          else await deps.memberships.cancelIn(tx, environmentId, ms.id, 'Direct Debit mandate failed', actor);
        }
        await tx.audit.record({ environmentId, actor, action: `checkout.mandate_${outcome}`, targetType: 'checkout_session', targetId: s.id, changes: { paymentId: payment.id, mandateId: mandateRef } });
      });
      return s.id;
    },
  };
}
export type Completion = ReturnType<typeof createCompletion>;
