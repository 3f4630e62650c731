import type { CheckoutSessionRow, PaymentRow } from './checkout.repository.js';
import type { SessionView } from './checkout.schemas.js';
import { effectiveStatus } from './checkout.types.js';

/**
 * A session as GET /v1/checkout/sessions/{id} answers it: the data.object of the checkout.session.* events.
 * `baseUrl` is FLOW_PUBLIC_URL (or, for the API, the request's origin).
 */
export function sessionView(s: CheckoutSessionRow, payment: PaymentRow | undefined, baseUrl: string, now: Date): SessionView {
  return {
    id: s.id,
    object: 'checkout.session',
    status: effectiveStatus(s, now),
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
