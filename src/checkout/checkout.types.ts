import type { WebhookEventsRepository } from '../webhooks/webhook-events.repository.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import type { UnitOfWork } from '../db/unit-of-work.js';
import type { LogosService } from '../logos/logos.service.js';
import type { MembersRepository } from '../members/members.repository.js';
import type { MembersService } from '../members/members.service.js';
import type { MembershipType, MembershipTypesRepository } from '../membership-types/membership-types.repository.js';
import type { MembershipsRepository } from '../memberships/memberships.repository.js';
import type { MembershipsService } from '../memberships/memberships.service.js';
import type { SitesRepository } from '../sites/sites.repository.js';
import type { Clock } from '../kernel/time.js';
import type { CheckoutRepository, CheckoutSessionRow } from './checkout.repository.js';
import type { SessionView } from './checkout.schemas.js';
import type { FormErrors, FormFields } from './checkout-form.js';
import type { PaymentProvider } from './payment-provider.js';

/** How long a checkout session stays payable. */
export const SESSION_TTL_MS = 24 * 3600 * 1000;

/** The shape of a session id (anything else is not looked up). */
export const SESSION_ID = /^cs_[0-9A-Za-z]{22}$/;

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

/** Why a form is shown again; the routes choose the HTTP status for it. */
export type FormRefusal = 'invalid_form' | 'payment_declined' | 'too_many_attempts';

/** What a hosted-page action leads to; the routes turn it into HTML or a redirect. */
export type PageOutcome =
  | { kind: 'redirect'; url: string }
  | { kind: 'form'; model: PageModel; values: FormFields; errors: FormErrors; alert?: string; refusal?: FormRefusal }
  | { kind: 'state'; session: CheckoutSessionRow | undefined; state: 'completed' | 'cancelled' | 'expired' | 'not_found' | 'busy' | 'unavailable' }
  | { kind: 'csrf'; session: CheckoutSessionRow };

/** What a checkout transaction holds. */
export interface CheckoutTx {
  checkout: CheckoutRepository;
  members: MembersRepository;
  sites: SitesRepository;
  memberships: MembershipsRepository;
  audit: AuditRepository;
  /** The outbox: the members', memberships' and sessions' events commit with the checkout's change. */
  webhookEvents: WebhookEventsRepository;
}

/** What the parts of the checkout are built from. */
export interface CheckoutDeps {
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
  /** FLOW_PUBLIC_URL: the base of a session's `url` in its webhook events (unset: the url is the path alone). */
  publicUrl?: string;
}

/** A session's status as the API shows it: an open session past its expiry is expired. */
export function effectiveStatus(s: CheckoutSessionRow, now: Date): SessionView['status'] {
  return s.status === 'open' && s.expiresAt <= now.toISOString() ? 'expired' : s.status;
}
