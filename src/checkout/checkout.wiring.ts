import type { UnitOfWork } from '../db/unit-of-work.js';
import type { LogosService } from '../logos/logos.service.js';
import type { MembersService } from '../members/members.service.js';
import type { MembershipsService } from '../memberships/memberships.service.js';
import type { MembershipTypesRepository } from '../membership-types/membership-types.repository.js';
import type { SitesRepository } from '../sites/sites.repository.js';
import type { Clock } from '../kernel/time.js';
import type { CheckoutRepository } from './checkout.repository.js';
import { createCheckoutService, type CheckoutTx } from './checkout.service.js';
import type { PaymentProvider } from './payment-provider.js';
import type { TestMandatesRepository } from './test-provider.repository.js';
import { createTestProvider, type TestProvider } from './test-provider.js';

/**
 * Wires the checkout: its repository, the payment provider (the built-in test provider unless another is
 * given — see docs/payments.md) and the service. Kept here so deps.ts needs one line.
 */
export function createCheckout(deps: {
  repos: { checkout: CheckoutRepository; membershipTypes: MembershipTypesRepository; sites: SitesRepository; testMandates: TestMandatesRepository };
  unitOfWork: UnitOfWork<CheckoutTx>;
  clock: Clock;
  environments: { findById(id: string): Promise<{ timeZone: string } | undefined> };
  logos: Pick<LogosService, 'find'>;
  /** The public API's services: checkout creates members and memberships by their rules. */
  members: Pick<MembersService, 'find' | 'matchOrCreateIn'>;
  memberships: Pick<MembershipsService, 'createIn' | 'setStatusIn' | 'cancelIn'>;
  provider?: PaymentProvider;
}) {
  const { clock } = deps;
  const testProvider: TestProvider | undefined = deps.provider ? undefined : createTestProvider({ repo: deps.repos.testMandates, clock });
  const provider = deps.provider ?? (testProvider as TestProvider);
  const repo = deps.repos.checkout;
  const service = createCheckoutService({
    repo,
    store: deps.unitOfWork,
    provider,
    membershipTypes: deps.repos.membershipTypes,
    sites: deps.repos.sites,
    members: deps.members,
    memberships: deps.memberships,
    environments: deps.environments,
    logos: deps.logos,
    clock,
  });
  return { service, repo, testProvider };
}
export type Checkout = ReturnType<typeof createCheckout>;
