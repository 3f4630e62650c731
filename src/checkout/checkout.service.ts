import { randomBytes } from 'node:crypto';
import { sameSecret } from '../kernel/crypto.js';
import type { Actor, AuditRepository } from '../audit/audit.repository.js';
import type { UnitOfWork } from '../db/unit-of-work.js';
import { AppError, invalid, type FieldError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { randomBase62 } from '../kernel/base62.js';
import type { VerifiedKey } from '../keys/verifier.js';
import type { LogosService } from '../logos/logos.service.js';
import { controlCharacterErrors } from '../members/control-characters.js';
import type { Member, MembersRepository } from '../members/members.repository.js';
import type { MembersService } from '../members/members.service.js';
import type { MembershipsService } from '../memberships/memberships.service.js';
import type { MembershipType, MembershipTypesRepository } from '../membership-types/membership-types.repository.js';
import type { MembershipsRepository } from '../memberships/memberships.repository.js';
import type { SitesRepository } from '../sites/sites.repository.js';
import { dateIn, type Clock } from '../kernel/time.js';
import type { CheckoutRepository, CheckoutSessionRow, PaymentRow } from './checkout.repository.js';
import type { CreateSessionBody, SessionView } from './checkout.schemas.js';
import { checkForm, redisplayValues, type CheckedForm, type CustomerDetails, type FormErrors, type FormFields } from './checkout-form.js';
import type { CardOutcome, PaymentContext, PaymentProvider } from './payment-provider.js';
import { checkRedirectUrl, withSessionId } from './redirect-urls.js';

/** How long a checkout session stays payable. */
export const SESSION_TTL_MS = 24 * 3600 * 1000;
/** How long one payment attempt may hold a session (a crashed attempt frees it after this). */
const LOCK_MS = 60_000;
/** How long a second submit waits for the first to finish before answering. */
const WAIT_MS = 15_000;
/** Payment attempts allowed per session: bounds card testing through one checkout link. */
const MAX_ATTEMPTS = 10;

const SESSION_ID = /^cs_[0-9A-Za-z]{22}$/;

/** What is sold, as snapshotted on the session for the page. */
export interface CheckoutItem {
  membershipTypeId: string;
  name: string;
  siteName: string;
  pricePence: number;
  joiningFeePence: number;
  currency: string;
  paymentType: MembershipType['paymentType'];
  billingPeriod: MembershipType['billingPeriod'];
  durationMonths: number | null;
}

/** Everything the hosted page needs to draw an open session. */
export interface PageModel {
  session: CheckoutSessionRow;
  item: CheckoutItem;
  /** The named existing member (details are not asked again). */
  member: { firstName: string; lastName: string; memberNumber: string } | null;
  methods: ReadonlyArray<'card' | 'direct_debit'>;
}

/** What a hosted-page action leads to; the routes turn it into HTML or a redirect. */
export type PageOutcome =
  | { kind: 'redirect'; url: string }
  | { kind: 'form'; model: PageModel; values: FormFields; errors: FormErrors; alert?: string; status: number }
  | { kind: 'state'; session: CheckoutSessionRow | undefined; state: 'completed' | 'cancelled' | 'expired' | 'not_found' | 'busy' | 'unavailable' }
  | { kind: 'csrf'; session: CheckoutSessionRow };

/** Constant-time comparison of a posted CSRF token with the session's. */
export function csrfMatches(expected: string, given: string | undefined): boolean {
  return typeof given === 'string' && sameSecret(expected, given);
}

function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), Math.min(d, last))).toISOString().slice(0, 10);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a checkout transaction holds. */
export interface CheckoutTx {
  checkout: CheckoutRepository;
  members: MembersRepository;
  sites: SitesRepository;
  memberships: MembershipsRepository;
  audit: AuditRepository;
}

/**
 * Checkout sessions: created by an integration's key, paid on the hosted page through a PaymentProvider,
 * completed exactly once (compare-and-set on status + attempt inside the transaction that creates or links the
 * member and creates the membership).
 */
export function createCheckoutService(deps: {
  repo: CheckoutRepository;
  provider: PaymentProvider;
  membershipTypes: MembershipTypesRepository;
  sites: SitesRepository;
  /** Completion and mandate decisions commit whole: the session, its payment, the member, the membership, audit. */
  store: UnitOfWork<CheckoutTx>;
  /** The owners of members and memberships: checkout creates and changes them only through their rules. */
  members: Pick<MembersService, 'find' | 'matchOrCreateIn'>;
  memberships: Pick<MembershipsService, 'createIn' | 'setStatusIn' | 'cancelIn'>;
  environments: { findById(id: string): Promise<{ timeZone: string } | undefined> };
  logos: Pick<LogosService, 'find'>;
  clock: Clock;
}) {
  const { repo, provider, clock, store } = deps;

  function effectiveStatus(s: CheckoutSessionRow, now = clock.now()): SessionView['status'] {
    return s.status === 'open' && s.expiresAt <= now.toISOString() ? 'expired' : s.status;
  }

  async function view(s: CheckoutSessionRow, baseUrl: string): Promise<SessionView> {
    const payment = s.paymentId ? await repo.findPayment(s.paymentId) : undefined;
    return {
      id: s.id,
      object: 'checkout.session',
      status: effectiveStatus(s),
      url: `${baseUrl}/checkout/${s.id}`,
      expiresAt: s.expiresAt,
      createdAt: s.createdAt,
      completedAt: s.completedAt,
      cancelledAt: s.cancelledAt,
      membershipTypeId: s.membershipTypeId,
      siteId: s.siteId,
      reference: s.reference,
      successUrl: s.successUrl,
      cancelUrl: s.cancelUrl,
      amountPence: s.amountPence,
      currency: s.currency,
      memberId: s.memberId,
      membershipId: s.membershipId,
      payment: payment
        ? {
            id: payment.id,
            provider: payment.provider,
            method: payment.method,
            status: payment.status,
            cardBrand: payment.cardBrand,
            cardLast4: payment.cardLast4,
            mandateId: payment.method === 'direct_debit' ? payment.providerRef : null,
          }
        : null,
    };
  }

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

  /** Loads an open session for a page action, or the state page to show instead. */
  async function openSession(id: string): Promise<{ s: CheckoutSessionRow } | { outcome: PageOutcome }> {
    const found = SESSION_ID.test(id) ? await repo.findWithIssuer(id) : undefined;
    if (!found) return { outcome: { kind: 'state', session: undefined, state: 'not_found' } };
    const s = found.session;
    const status = effectiveStatus(s);
    if (status !== 'open') return { outcome: { kind: 'state', session: s, state: status } };
    // A revoked key cuts its integration off at once, open checkouts included.
    if (!found.issuerActive) return { outcome: { kind: 'state', session: s, state: 'unavailable' } };
    return { s };
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
      const status = effectiveStatus(s);
      // Completed by the other submit: answer as it did, so a double submit lands on the success URL too.
      if (status === 'completed') return { outcome: { kind: 'redirect', url: withSessionId(s.successUrl, s.id) } };
      if (status !== 'open') return { outcome: { kind: 'state', session: s, state: status } };
      if (Date.now() > deadline) return { outcome: { kind: 'state', session: s, state: 'busy' } };
      await sleep(100);
    }
  }

  async function formAgain(s: CheckoutSessionRow, fields: FormFields, errors: FormErrors, status: number, alert?: string): Promise<PageOutcome> {
    return { kind: 'form', model: await pageModel(s), values: redisplayValues(fields), errors, alert, status };
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
      return formAgain(s, fields, {}, 402, outcome.reason);
    }
    if (outcome.status === 'requires_action') {
      await repo.insertPayment(paymentRow(s, attempt, { method: 'card', status: 'requires_action', providerRef: outcome.providerRef, cardBrand: outcome.brand, cardLast4: outcome.last4 }));
      await repo.unlock(s.id, attempt, now, JSON.stringify(details));
      return { kind: 'redirect', url: `/checkout/${s.id}/confirm` };
    }
    const payment = existing
      ? { ...existing, status: 'succeeded' as const, updatedAt: now }
      : paymentRow(s, attempt, { method: 'card', status: 'succeeded', providerRef: outcome.providerRef, cardBrand: outcome.brand, cardLast4: outcome.last4 });
    if (!(await complete(s, attempt, details, payment, existing !== undefined))) {
      const again = await repo.findById(s.id);
      return again && effectiveStatus(again) === 'completed' ? { kind: 'redirect', url: withSessionId(again.successUrl, again.id) } : { kind: 'state', session: again, state: 'busy' };
    }
    return { kind: 'redirect', url: withSessionId(s.successUrl, s.id) };
  }

  return {
    /** Creates a session for the calling key (CONTRACT §7). */
    async create(key: VerifiedKey, input: CreateSessionBody, baseUrl: string): Promise<SessionView> {
      const envId = key.environment.id;
      const c = input.customer;
      // The details pre-fill the page and become the member's: the members' rule (no control characters)
      // applies, before any look-up (PostgreSQL cannot even compare a NUL).
      const control = controlCharacterErrors({
        membershipTypeId: input.membershipTypeId,
        siteId: input.siteId,
        'customer.memberId': c.memberId,
        'customer.firstName': c.firstName?.trim(),
        'customer.lastName': c.lastName?.trim(),
        'customer.email': c.email?.trim(),
        reference: input.reference,
      });
      if (control.length > 0) throw invalid(control);
      const errors: FieldError[] = [];
      const successUrl = checkRedirectUrl('successUrl', input.successUrl, key.allowedRedirectOrigins, errors);
      const cancelUrl = checkRedirectUrl('cancelUrl', input.cancelUrl, key.allowedRedirectOrigins, errors);
      const type = await deps.membershipTypes.find(input.membershipTypeId, envId);
      if (!type) errors.push({ path: 'membershipTypeId', message: 'is not a membership type of this environment' });
      else if (!type.active) errors.push({ path: 'membershipTypeId', message: 'is not on sale' });
      else if (type.pricePence < 0) errors.push({ path: 'membershipTypeId', message: 'has no price' });
      const site = await deps.sites.find(input.siteId, envId);
      if (!site) errors.push({ path: 'siteId', message: 'is not a site of this environment' });
      else if (!site.active) errors.push({ path: 'siteId', message: 'is not open' });
      else if (type?.siteId && type.siteId !== site.id) errors.push({ path: 'siteId', message: 'does not sell this membership type' });
      let memberId: string | null = null;
      if (c.memberId !== undefined) {
        if (c.firstName !== undefined || c.lastName !== undefined || c.email !== undefined) {
          errors.push({ path: 'customer', message: 'give either memberId or firstName, lastName and email, not both' });
        } else if (!(await deps.members.find(envId, c.memberId))) {
          errors.push({ path: 'customer.memberId', message: 'is not a member of this environment' });
        } else memberId = c.memberId;
      } else {
        for (const f of ['firstName', 'lastName', 'email'] as const) if (!c[f]?.trim()) errors.push({ path: `customer.${f}`, message: 'is required (or give customer.memberId)' });
      }
      if (errors.length || !type || !site || !successUrl || !cancelUrl) throw invalid(errors);

      const logo = key.theme.logoId ? await deps.logos.find(key.theme.logoId, envId) : undefined;
      const now = clock.now();
      const item: CheckoutItem = {
        membershipTypeId: type.id,
        name: type.friendlyName,
        siteName: site.name,
        pricePence: type.pricePence,
        joiningFeePence: type.joiningFeePence,
        currency: type.currency,
        paymentType: type.paymentType,
        billingPeriod: type.billingPeriod,
        durationMonths: type.durationMonths,
      };
      const s: CheckoutSessionRow = {
        // 22 base62 characters ≈ 131 random bits: the id is the hosted page's only credential.
        id: `cs_${randomBase62(22)}`,
        environmentId: envId,
        apiKeyId: key.id,
        status: 'open',
        membershipTypeId: type.id,
        siteId: site.id,
        customerMemberId: memberId,
        customerFirstName: memberId ? null : (c.firstName?.trim() ?? null),
        customerLastName: memberId ? null : (c.lastName?.trim() ?? null),
        customerEmail: memberId ? null : (c.email?.trim() ?? null),
        successUrl,
        cancelUrl,
        reference: input.reference ?? null,
        item: JSON.stringify(item),
        amountPence: type.pricePence + type.joiningFeePence,
        currency: type.currency,
        operatorName: key.environment.name,
        logoSha256: logo?.sha256 ?? null,
        primaryColour: key.theme.primaryColour,
        secondaryColour: key.theme.secondaryColour,
        csrfToken: randomBytes(32).toString('base64url'),
        attempt: 0,
        lockedUntil: null,
        pendingCustomer: null,
        memberId: null,
        membershipId: null,
        paymentId: null,
        expiresAt: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
        completedAt: null,
        cancelledAt: null,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
      };
      await repo.insert(s);
      return view(s, baseUrl);
    },

    /** A session of the key's environment; 404 for unknown ids and other environments' sessions alike. */
    async get(environmentId: string, id: string, baseUrl: string): Promise<SessionView> {
      const s = SESSION_ID.test(id) ? await repo.find(id, environmentId) : undefined;
      if (!s) throw new AppError('not_found', `No checkout session ${id}.`);
      return view(s, baseUrl);
    },

    /** The hosted page for a session: the form while open, else the page for its state. */
    async page(id: string): Promise<PageOutcome> {
      const r = await openSession(id);
      if ('outcome' in r) return r.outcome;
      return { kind: 'form', model: await pageModel(r.s), values: prefill(r.s), errors: {}, status: 200 };
    },

    /** The confirmation step of a card that asked for one. */
    async confirmPage(id: string): Promise<PageOutcome | { kind: 'confirm'; model: PageModel; payment: PaymentRow }> {
      const r = await openSession(id);
      if ('outcome' in r) return r.outcome;
      const payment = await repo.pendingActionPayment(r.s.id);
      if (!payment) return { kind: 'redirect', url: `/checkout/${r.s.id}` };
      return { kind: 'confirm', model: await pageModel(r.s), payment };
    },

    /** The customer submits details and payment. */
    async pay(id: string, fields: FormFields): Promise<PageOutcome> {
      const r = await openSession(id);
      if ('outcome' in r) return r.outcome.kind === 'state' && r.outcome.state === 'completed' && r.outcome.session ? { kind: 'redirect', url: withSessionId(r.outcome.session.successUrl, id) } : r.outcome;
      if (!csrfMatches(r.s.csrfToken, fields.csrf)) return { kind: 'csrf', session: r.s };
      if (r.s.attempt >= MAX_ATTEMPTS) return formAgain(r.s, fields, {}, 429, 'Too many payment attempts for this checkout. Please start again from where you came from.');
      const model = await pageModel(r.s);
      const { form, errors } = checkForm(fields, { askDetails: !r.s.customerMemberId, methods: model.methods, now: clock.now() });
      if (!form) return formAgain(r.s, fields, errors, 400, 'Check the highlighted fields.');

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
          return formAgain(s, fields, {}, 402, mandate.reason);
        }
        const row = paymentRow(s, attempt, { method: 'direct_debit', status: 'pending', providerRef: mandate.mandateRef, cardBrand: null, cardLast4: null });
        await complete(s, attempt, form.customer, row, false);
        return { kind: 'redirect', url: withSessionId(s.successUrl, s.id) };
      } catch (err) {
        await repo.unlock(s.id, attempt, clock.now().toISOString());
        throw err;
      }
    },

    /** The customer answers the card's confirmation step. */
    async confirm(id: string, fields: FormFields): Promise<PageOutcome> {
      const r = await openSession(id);
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

    /** The customer cancels: the session ends and they go back to the integration's cancel URL. */
    async cancel(id: string, fields: FormFields): Promise<PageOutcome> {
      const r = await openSession(id);
      if ('outcome' in r) return r.outcome.kind === 'state' && r.outcome.state === 'cancelled' && r.outcome.session ? { kind: 'redirect', url: withSessionId(r.outcome.session.cancelUrl, id) } : r.outcome;
      if (!csrfMatches(r.s.csrfToken, fields.csrf)) return { kind: 'csrf', session: r.s };
      if (!(await repo.cancel(id, clock.now().toISOString()))) {
        const again = await repo.findById(id);
        return { kind: 'state', session: again, state: again ? (effectiveStatus(again) === 'open' ? 'busy' : (effectiveStatus(again) as 'completed' | 'cancelled' | 'expired')) : 'not_found' };
      }
      return { kind: 'redirect', url: withSessionId(r.s.cancelUrl, id) };
    },

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

    /** The CSRF token of a session (the page embeds it in every form). */
    csrfToken: (s: CheckoutSessionRow) => s.csrfToken,
    provider,
  };
}

function detailsFields(d: CustomerDetails): FormFields {
  return { firstName: d.firstName, lastName: d.lastName, email: d.email, phone: d.phone ?? '', dateOfBirth: d.dateOfBirth ?? '', marketingOptIn: d.marketingOptIn ? 'yes' : '' };
}

class AlreadyCompleted extends Error {}

/** A provider outage becomes 503 unavailable (the cause stays in the log, never on the page). */
async function callProvider<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw Object.assign(new AppError('unavailable', 'The payment provider could not be reached.'), { cause: err });
  }
}

export type CheckoutService = ReturnType<typeof createCheckoutService>;
