import { randomBytes } from 'node:crypto';
import { AppError, invalid, type FieldError } from '../kernel/errors.js';
import { randomBase62 } from '../kernel/base62.js';
import type { VerifiedKey } from '../keys/verifier.js';
import { controlCharacterErrors } from '../kernel/rules/control-characters.js';
import type { CheckoutSessionRow } from './checkout.repository.js';
import type { CreateSessionBody, SessionView } from './checkout.schemas.js';
import type { FormFields } from './checkout-form.js';
import { csrfMatches, type PageData } from './checkout-page-data.js';
import { effectiveStatus, SESSION_ID, SESSION_TTL_MS, type CheckoutDeps, type CheckoutItem, type PageOutcome } from './checkout.types.js';
import { checkRedirectUrl } from '../kernel/rules/redirect-origin.js';
import { withSessionId } from './redirect-urls.js';
import { sessionView } from './checkout-view.js';

/** Sessions: created by an integration's key (what is sold snapshotted), read back, cancelled by the customer. */
export function createSessions(
  deps: Pick<CheckoutDeps, 'repo' | 'membershipTypes' | 'sites' | 'members' | 'logos' | 'clock'>,
  pages: PageData,
  expireIfDue: (s: CheckoutSessionRow) => Promise<CheckoutSessionRow | undefined>,
) {
  const { repo, clock } = deps;

  async function view(s: CheckoutSessionRow, baseUrl: string): Promise<SessionView> {
    const payment = s.paymentId ? await repo.findPayment(s.paymentId) : undefined;
    return sessionView(s, payment, baseUrl, clock.now());
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
      const found = SESSION_ID.test(id) ? await repo.find(id, environmentId) : undefined;
      if (!found) throw new AppError('not_found', `No checkout session ${id}.`);
      // First seen expired: recorded (with its event) once, then read as stored.
      const s = (await expireIfDue(found)) ?? found;
      return view(s, baseUrl);
    },

    /** The customer cancels: the session ends and they go back to the integration's cancel URL. */
    async cancel(id: string, fields: FormFields): Promise<PageOutcome> {
      const r = await pages.openSession(id);
      if ('outcome' in r) return r.outcome.kind === 'state' && r.outcome.state === 'cancelled' && r.outcome.session ? { kind: 'redirect', url: withSessionId(r.outcome.session.cancelUrl, id) } : r.outcome;
      if (!csrfMatches(r.s.csrfToken, fields.csrf)) return { kind: 'csrf', session: r.s };
      if (!(await repo.cancel(id, clock.now().toISOString()))) {
        const again = await repo.findById(id);
        return { kind: 'state', session: again, state: again ? (effectiveStatus(again, clock.now()) === 'open' ? 'busy' : (effectiveStatus(again, clock.now()) as 'completed' | 'cancelled' | 'expired')) : 'not_found' };
      }
      return { kind: 'redirect', url: withSessionId(r.s.cancelUrl, id) };
    },
  };
}
