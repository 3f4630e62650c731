import type { CompiledQuery, Kysely } from 'kysely';
import type { CheckoutSessionsTable, Database, PaymentsTable } from '../db/schema.js';

/** A stored checkout session (snake_case columns stay in this file). */
export interface CheckoutSessionRow {
  id: string;
  environmentId: string;
  apiKeyId: string;
  status: CheckoutSessionsTable['status'];
  membershipTypeId: string;
  siteId: string;
  customerMemberId: string | null;
  customerFirstName: string | null;
  customerLastName: string | null;
  customerEmail: string | null;
  successUrl: string;
  cancelUrl: string;
  reference: string | null;
  /** JSON snapshot of what is sold. */
  item: string;
  amountPence: number;
  currency: string;
  operatorName: string;
  logoSha256: string | null;
  primaryColour: string | null;
  secondaryColour: string | null;
  csrfToken: string;
  attempt: number;
  lockedUntil: string | null;
  pendingCustomer: string | null;
  memberId: string | null;
  membershipId: string | null;
  paymentId: string | null;
  expiresAt: string;
  completedAt: string | null;
  cancelledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A stored payment. */
export interface PaymentRow {
  id: string;
  environmentId: string;
  checkoutSessionId: string;
  attempt: number;
  provider: string;
  method: PaymentsTable['method'];
  status: PaymentsTable['status'];
  amountPence: number;
  currency: string;
  providerRef: string;
  cardBrand: string | null;
  cardLast4: string | null;
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
}

function toSession(r: CheckoutSessionsTable): CheckoutSessionRow {
  return {
    id: r.id,
    environmentId: r.environment_id,
    apiKeyId: r.api_key_id,
    status: r.status,
    membershipTypeId: r.membership_type_id,
    siteId: r.site_id,
    customerMemberId: r.customer_member_id,
    customerFirstName: r.customer_first_name,
    customerLastName: r.customer_last_name,
    customerEmail: r.customer_email,
    successUrl: r.success_url,
    cancelUrl: r.cancel_url,
    reference: r.reference,
    item: r.item,
    amountPence: Number(r.amount_pence),
    currency: r.currency,
    operatorName: r.operator_name,
    logoSha256: r.logo_sha256,
    primaryColour: r.primary_colour,
    secondaryColour: r.secondary_colour,
    csrfToken: r.csrf_token,
    attempt: Number(r.attempt),
    lockedUntil: r.locked_until,
    pendingCustomer: r.pending_customer,
    memberId: r.member_id,
    membershipId: r.membership_id,
    paymentId: r.payment_id,
    expiresAt: r.expires_at,
    completedAt: r.completed_at,
    cancelledAt: r.cancelled_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toPayment(r: PaymentsTable): PaymentRow {
  return {
    id: r.id,
    environmentId: r.environment_id,
    checkoutSessionId: r.checkout_session_id,
    attempt: Number(r.attempt),
    provider: r.provider,
    method: r.method,
    status: r.status,
    amountPence: Number(r.amount_pence),
    currency: r.currency,
    providerRef: r.provider_ref,
    cardBrand: r.card_brand,
    cardLast4: r.card_last4,
    failureReason: r.failure_reason,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

type WithIssuerRow = CheckoutSessionsTable & { key_id: string | null; key_revoked_at: string | null; env_active: number | null };

/** SQL for checkout sessions and payments. State changes are compare-and-set on (status, attempt). */
export function createCheckoutRepository(db: Kysely<Database>) {
  // The hosted page's query, compiled on first use and then run with its one bound value (the session id):
  // building and compiling Kysely's query tree cost more than running the query.
  let withIssuer: CompiledQuery<WithIssuerRow> | undefined;
  return {
    async insert(s: CheckoutSessionRow): Promise<void> {
      await db
        .insertInto('checkout_sessions')
        .values({
          id: s.id,
          environment_id: s.environmentId,
          api_key_id: s.apiKeyId,
          status: s.status,
          membership_type_id: s.membershipTypeId,
          site_id: s.siteId,
          customer_member_id: s.customerMemberId,
          customer_first_name: s.customerFirstName,
          customer_last_name: s.customerLastName,
          customer_email: s.customerEmail,
          success_url: s.successUrl,
          cancel_url: s.cancelUrl,
          reference: s.reference,
          item: s.item,
          amount_pence: s.amountPence,
          currency: s.currency,
          operator_name: s.operatorName,
          logo_sha256: s.logoSha256,
          primary_colour: s.primaryColour,
          secondary_colour: s.secondaryColour,
          csrf_token: s.csrfToken,
          attempt: s.attempt,
          locked_until: s.lockedUntil,
          pending_customer: s.pendingCustomer,
          member_id: s.memberId,
          membership_id: s.membershipId,
          payment_id: s.paymentId,
          expires_at: s.expiresAt,
          completed_at: s.completedAt,
          cancelled_at: s.cancelledAt,
          created_at: s.createdAt,
          updated_at: s.updatedAt,
        })
        .execute();
    },
    /** A session of an environment (API reads). */
    async find(id: string, environmentId: string): Promise<CheckoutSessionRow | undefined> {
      const r = await db.selectFrom('checkout_sessions').selectAll().where('id', '=', id).where('environment_id', '=', environmentId).executeTakeFirst();
      return r && toSession(r);
    },
    /** A session by its id alone: the hosted page, where the unguessable id is the credential. */
    async findById(id: string): Promise<CheckoutSessionRow | undefined> {
      const r = await db.selectFrom('checkout_sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toSession(r);
    },
    /** A session with whether its issuer is still active (the key not revoked, the environment active): one query for the page. */
    async findWithIssuer(id: string): Promise<{ session: CheckoutSessionRow; issuerActive: boolean } | undefined> {
      withIssuer ??= db
        .selectFrom('checkout_sessions as s')
        .leftJoin('api_keys as k', (j) => j.onRef('k.id', '=', 's.api_key_id').onRef('k.environment_id', '=', 's.environment_id'))
        .leftJoin('environments as e', 'e.id', 's.environment_id')
        .selectAll('s')
        .select(['k.id as key_id', 'k.revoked_at as key_revoked_at', 'e.active as env_active'])
        .where('s.id', '=', '')
        .compile();
      const [r] = (await db.executeQuery<WithIssuerRow>({ ...withIssuer, parameters: [id] })).rows;
      if (!r) return undefined;
      const { key_id, key_revoked_at, env_active, ...row } = r;
      return { session: toSession(row), issuerActive: key_id !== null && key_revoked_at === null && Number(env_active) === 1 };
    },
    /**
     * Starts a payment attempt: only an open, unexpired session whose previous attempt is not running.
     * Returns the new attempt number, or undefined when another attempt holds the session or it is not open.
     */
    async lock(id: string, now: string, lockedUntil: string): Promise<number | undefined> {
      const r = await db
        .updateTable('checkout_sessions')
        .set((eb) => ({ attempt: eb('attempt', '+', 1), locked_until: lockedUntil, updated_at: now }))
        .where('id', '=', id)
        .where('status', '=', 'open')
        .where('expires_at', '>', now)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
        .returning('attempt')
        .executeTakeFirst();
      return r ? Number(r.attempt) : undefined;
    },
    /** Ends an attempt without completing (declined, needs confirmation); records details awaiting confirmation. */
    async unlock(id: string, attempt: number, now: string, pendingCustomer?: string | null): Promise<void> {
      await db
        .updateTable('checkout_sessions')
        .set({ locked_until: null, updated_at: now, ...(pendingCustomer !== undefined ? { pending_customer: pendingCustomer } : {}) })
        .where('id', '=', id)
        .where('attempt', '=', attempt)
        .execute();
    },
    /** Moves the session from open (this attempt) to completed (in a transaction): true only for the one request that did it. */
    async complete(id: string, attempt: number, v: { now: string }): Promise<boolean> {
      const r = await db
        .updateTable('checkout_sessions')
        .set({ status: 'completed', completed_at: v.now, locked_until: null, pending_customer: null, updated_at: v.now })
        .where('id', '=', id)
        .where('status', '=', 'open')
        .where('attempt', '=', attempt)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** Records what a completion created (after the rows it points at exist). */
    async attachResult(id: string, v: { memberId: string; membershipId: string; paymentId: string }): Promise<void> {
      await db.updateTable('checkout_sessions').set({ member_id: v.memberId, membership_id: v.membershipId, payment_id: v.paymentId }).where('id', '=', id).execute();
    },
    /**
     * Stores `expired` on an open session past its expiry that no payment attempt holds: the one claim of its
     * checkout.session.expired event (true for exactly one caller).
     */
    async markExpired(id: string, now: string): Promise<boolean> {
      const r = await db
        .updateTable('checkout_sessions')
        .set({ status: 'expired', locked_until: null, pending_customer: null, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'open')
        .where('expires_at', '<=', now)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** Open sessions past their expiry, oldest first (the scheduler's expiry sweep claims each with markExpired). */
    async dueToExpire(now: string, limit: number): Promise<CheckoutSessionRow[]> {
      const rows = await db.selectFrom('checkout_sessions').selectAll().where('status', '=', 'open').where('expires_at', '<=', now).orderBy('expires_at').limit(limit).execute();
      return rows.map(toSession);
    },
    /** Cancels an open session that no payment attempt holds; false otherwise. */
    async cancel(id: string, now: string): Promise<boolean> {
      const r = await db
        .updateTable('checkout_sessions')
        .set({ status: 'cancelled', cancelled_at: now, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'open')
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async insertPayment(p: PaymentRow): Promise<void> {
      await db
        .insertInto('payments')
        .values({
          id: p.id,
          environment_id: p.environmentId,
          checkout_session_id: p.checkoutSessionId,
          attempt: p.attempt,
          provider: p.provider,
          method: p.method,
          status: p.status,
          amount_pence: p.amountPence,
          currency: p.currency,
          provider_ref: p.providerRef,
          card_brand: p.cardBrand,
          card_last4: p.cardLast4,
          failure_reason: p.failureReason,
          created_at: p.createdAt,
          updated_at: p.updatedAt,
        })
        .execute();
    },
    /** Moves a payment from one status to another; false when it was no longer in `from`. */
    async setPaymentStatus(id: string, from: PaymentRow['status'], to: PaymentRow['status'], now: string, failureReason: string | null = null): Promise<boolean> {
      const r = await db
        .updateTable('payments')
        .set({ status: to, failure_reason: failureReason, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', from)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async findPayment(id: string): Promise<PaymentRow | undefined> {
      const r = await db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toPayment(r);
    },
    /** The payment of an attempt. */
    async paymentOfAttempt(sessionId: string, attempt: number): Promise<PaymentRow | undefined> {
      const r = await db.selectFrom('payments').selectAll().where('checkout_session_id', '=', sessionId).where('attempt', '=', attempt).executeTakeFirst();
      return r && toPayment(r);
    },
    /** The payment a provider knows by `providerRef`, within an environment. */
    async paymentByProviderRef(environmentId: string, provider: string, providerRef: string): Promise<PaymentRow | undefined> {
      const r = await db
        .selectFrom('payments')
        .selectAll()
        .where('environment_id', '=', environmentId)
        .where('provider', '=', provider)
        .where('provider_ref', '=', providerRef)
        .executeTakeFirst();
      return r && toPayment(r);
    },
    /** The latest card payment of a session still waiting for the customer's confirmation. */
    async pendingActionPayment(sessionId: string): Promise<PaymentRow | undefined> {
      const r = await db
        .selectFrom('payments')
        .selectAll()
        .where('checkout_session_id', '=', sessionId)
        .where('status', '=', 'requires_action')
        .orderBy('attempt', 'desc')
        .limit(1)
        .executeTakeFirst();
      return r && toPayment(r);
    },
    /** How many payments a session has (any status). */
    async countPayments(sessionId: string): Promise<number> {
      const r = await db.selectFrom('payments').select((eb) => eb.fn.countAll().as('n')).where('checkout_session_id', '=', sessionId).executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}
export type CheckoutRepository = ReturnType<typeof createCheckoutRepository>;
