import type { Kysely } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { Database } from '../db/schema.js';
import type { LogosService } from '../logos/logos.service.js';
import { createMembersRepository } from '../members/members.repository.js';
import type { MembersService } from '../members/members.service.js';
import type { MembershipsService } from '../memberships/memberships.service.js';
import { createMembershipTypesRepository } from '../membership-types/membership-types.repository.js';
import { createMembershipsRepository } from '../memberships/memberships.repository.js';
import { createSitesRepository } from '../sites/sites.repository.js';
import type { Clock } from '../kernel/time.js';
import { createCheckoutRepository } from './checkout.repository.js';
import { createCheckoutService } from './checkout.service.js';
import type { PaymentProvider } from './payment-provider.js';
import { createTestMandatesRepository } from './test-provider.repository.js';
import { createTestProvider, type TestProvider } from './test-provider.js';

/**
 * Wires the checkout: its repository, the payment provider (the built-in test provider unless another is
 * given — see docs/payments.md) and the service. Kept here so deps.ts needs one line.
 */
export function createCheckout(deps: {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditService;
  environments: { findById(id: string): Promise<{ timeZone: string } | undefined> };
  logos: Pick<LogosService, 'find'>;
  /** The public API's services: checkout creates members and memberships by their rules. */
  members: Pick<MembersService, 'create'>;
  memberships: Pick<MembershipsService, 'create' | 'setStatus'>;
  provider?: PaymentProvider;
}) {
  const { db, clock } = deps;
  const testProvider: TestProvider | undefined = deps.provider ? undefined : createTestProvider({ repo: createTestMandatesRepository(db), clock });
  const provider = deps.provider ?? (testProvider as TestProvider);
  const repo = createCheckoutRepository(db);
  const service = createCheckoutService({
    repo,
    provider,
    membershipTypes: createMembershipTypesRepository(db),
    sites: createSitesRepository(db),
    membersRepo: createMembersRepository(db),
    membershipsRepo: createMembershipsRepository(db),
    members: deps.members,
    memberships: deps.memberships,
    environments: deps.environments,
    logos: deps.logos,
    audit: deps.audit,
    clock,
  });
  return { service, repo, testProvider };
}
export type Checkout = ReturnType<typeof createCheckout>;
