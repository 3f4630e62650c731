import type { Logger } from 'pino';
import { createAccessCodesService } from '../access-codes/access-codes.service.js';
import { createAttendanceService } from '../attendance/attendance.service.js';
import type { UnitOfWork } from '../db/unit-of-work.js';
import type { Repos } from '../repositories.js';
import type { Metrics } from '../metrics/metrics.js';
import { createIdempotencyService } from '../idempotency/idempotency.service.js';
import { createMembersService } from '../members/members.service.js';
import { createMembershipTypesService } from '../membership-types/membership-types.service.js';
import { createMembershipsService } from '../memberships/memberships.service.js';
import { createSitesService } from '../sites/sites.service.js';
import type { Clock } from '../kernel/time.js';
import path from 'node:path';
import { createImportsService } from '../imports/imports.service.js';

/** Wires the public API's services (sites, membership types, members, memberships, attendance, access codes, idempotency). */
export function createPublicApi(deps: { repos: Repos; unitOfWork: UnitOfWork<Repos>; clock: Clock; logger: Logger; dataDir: string; publicUrl?: string; metrics?: Pick<Metrics, 'importRows'> }) {
  const { repos, unitOfWork: store, clock } = deps;
  const membersRepo = repos.members;
  const memberExists = async (environmentId: string, memberId: string) => (await membersRepo.find(memberId, environmentId)) !== undefined;
  const sites = createSitesService({ repo: repos.sites, clock });
  const membershipTypes = createMembershipTypesService({ repo: repos.membershipTypes, clock });
  const members = createMembersService({ repo: membersRepo, store, clock });
  const memberships = createMembershipsService({ repo: repos.memberships, store, clock, memberExists });
  const attendance = createAttendanceService({ repo: repos.attendance, store, clock });
  const accessCodes = createAccessCodesService({ repo: repos.accessCodes, clock, memberExists, hasActiveMembership: (e, m) => memberships.hasActive(e, m) });
  const idempotency = createIdempotencyService({ repo: repos.idempotency, clock });
  const imports = createImportsService({
    repo: repos.imports,
    store,
    members,
    siteIds: async (environmentId) => new Set((await repos.sites.list(environmentId, { limit: 10_000 })).map((s) => s.id)),
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
