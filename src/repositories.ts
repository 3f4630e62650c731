import type { Kysely } from 'kysely';
import { createAccessCodesRepository } from './access-codes/access-codes.repository.js';
import { createAttendanceRepository } from './attendance/attendance.repository.js';
import { createAuditRepository } from './audit/audit.repository.js';
import { createCheckoutRepository } from './checkout/checkout.repository.js';
import { createTestMandatesRepository } from './checkout/test-provider.repository.js';
import type { DialectName } from './db/client.js';
import type { Database } from './db/schema.js';
import { createEnvironmentsRepository } from './environments/environments.repository.js';
import { createExpiryRepository } from './expiry/expiry.repository.js';
import { createIdempotencyRepository } from './idempotency/idempotency.repository.js';
import { createImportsRepository } from './imports/imports.repository.js';
import { createKeyChangesRepository } from './keys/key-changes.repository.js';
import { createKeysRepository } from './keys/keys.repository.js';
import { createLeakedRepository } from './keys/leaked.repository.js';
import type { Clock } from './kernel/time.js';
import { createLogosRepository } from './logos/logos.repository.js';
import { createMembersRepository } from './members/members.repository.js';
import { createMembershipTypesRepository } from './membership-types/membership-types.repository.js';
import { createMembershipsRepository } from './memberships/memberships.repository.js';
import { createSitesRepository } from './sites/sites.repository.js';
import { createStaffRepository } from './staff/staff.repository.js';
import { createWebhookEventsRepository } from './webhooks/webhook-events.repository.js';
import { createWebhooksRepository } from './webhooks/webhooks.repository.js';

/**
 * Every repository, all bound to one executor: the database (deps.ts builds this set once), or one transaction
 * (the unit of work binds a set to each).
 * A service names the part it writes (`UnitOfWork<Pick<Repos, 'members' | 'audit'>>`, spelled out in its own
 * folder as the matching repository types, since features import nothing from the top).
 */
export function bindRepositories(ex: Kysely<Database>, ctx: { clock: Clock; dialect: DialectName }) {
  return {
    accessCodes: createAccessCodesRepository(ex),
    attendance: createAttendanceRepository(ex),
    audit: createAuditRepository(ex, ctx.clock),
    checkout: createCheckoutRepository(ex),
    environments: createEnvironmentsRepository(ex),
    expiry: createExpiryRepository(ex),
    idempotency: createIdempotencyRepository(ex),
    imports: createImportsRepository(ex),
    keyChanges: createKeyChangesRepository(ex, ctx.dialect),
    keys: createKeysRepository(ex),
    leaked: createLeakedRepository(ex),
    logos: createLogosRepository(ex),
    members: createMembersRepository(ex),
    membershipTypes: createMembershipTypesRepository(ex),
    memberships: createMembershipsRepository(ex),
    sites: createSitesRepository(ex),
    staff: createStaffRepository(ex),
    testMandates: createTestMandatesRepository(ex),
    /** The transactional outbox: owners record webhook events in the transaction of the change (tx.webhookEvents.record). */
    webhookEvents: createWebhookEventsRepository(ex, ctx.clock),
    webhooks: createWebhooksRepository(ex),
  };
}
export type Repos = ReturnType<typeof bindRepositories>;
