import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { createAccessCodesRepository } from '../access-codes/access-codes.repository.js';
import { createAccessCodesService } from '../access-codes/access-codes.service.js';
import { createAttendanceRepository } from '../attendance/attendance.repository.js';
import { createAttendanceService } from '../attendance/attendance.service.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Database } from '../db/schema.js';
import type { Metrics } from '../metrics/metrics.js';
import { createIdempotencyRepository } from '../idempotency/idempotency.repository.js';
import { createIdempotencyService } from '../idempotency/idempotency.service.js';
import { createMembersRepository } from '../members/members.repository.js';
import { createMembersService } from '../members/members.service.js';
import { createMembershipTypesRepository } from '../membership-types/membership-types.repository.js';
import { createMembershipTypesService } from '../membership-types/membership-types.service.js';
import { createMembershipsRepository } from '../memberships/memberships.repository.js';
import { createMembershipsService } from '../memberships/memberships.service.js';
import { createSitesRepository } from '../sites/sites.repository.js';
import { createSitesService } from '../sites/sites.service.js';
import type { Clock } from '../kernel/time.js';
import path from 'node:path';
import { createImportsRepository } from '../imports/imports.repository.js';
import { createImportsService } from '../imports/imports.service.js';

/** Wires the public API's services (sites, membership types, members, memberships, attendance, access codes, idempotency). */
export function createPublicApi(deps: { db: Kysely<Database>; clock: Clock; audit: AuditService; logger: Logger; dataDir: string; publicUrl?: string; metrics?: Pick<Metrics, 'importRows'> }) {
  const { db, clock, audit } = deps;
  const membersRepo = createMembersRepository(db);
  const memberExists = async (environmentId: string, memberId: string) => (await membersRepo.find(memberId, environmentId)) !== undefined;
  const sites = createSitesService({ repo: createSitesRepository(db), clock });
  const membershipTypes = createMembershipTypesService({ repo: createMembershipTypesRepository(db), clock });
  const members = createMembersService({ repo: membersRepo, sites, clock, audit });
  const memberships = createMembershipsService({ repo: createMembershipsRepository(db), clock, audit, memberExists });
  const attendance = createAttendanceService({ repo: createAttendanceRepository(db), clock });
  const accessCodes = createAccessCodesService({ repo: createAccessCodesRepository(db), clock, memberExists, hasActiveMembership: (e, m) => memberships.hasActive(e, m) });
  const idempotency = createIdempotencyService({ repo: createIdempotencyRepository(db), clock });
  const sitesRepo = createSitesRepository(db);
  const imports = createImportsService({
    repo: createImportsRepository(db),
    members: membersRepo,
    siteIds: async (environmentId) => new Set((await sitesRepo.list(environmentId, { limit: 10_000 })).map((s) => s.id)),
    clock,
    logger: deps.logger,
    spoolDir: path.join(deps.dataDir, 'imports'),
    publicUrl: deps.publicUrl,
    metrics: deps.metrics,
    idempotency,
  });
  // Idempotency records live 24 h; sweep expired ones hourly (unref'd: never keeps a CLI process alive).
  const purge = setInterval(() => {
    idempotency.purgeExpired().catch((err: unknown) => deps.logger.warn({ err }, 'idempotency purge failed'));
  }, 3600_000);
  purge.unref();
  return {
    sites,
    membershipTypes,
    members,
    memberships,
    attendance,
    accessCodes,
    idempotency,
    imports,
    membersRepo,
    /** Stops background work of the public API (a running import pauses, to resume on the next start). */
    async close(): Promise<void> {
      clearInterval(purge);
      await imports.close();
    },
  };
}
