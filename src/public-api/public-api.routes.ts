import type { FastifyPluginAsync } from 'fastify';
import { attendanceRoutes } from '../attendance/attendance.routes.js';
import { membersRoutes } from '../members/members.routes.js';
import { membershipTypesRoutes } from '../membership-types/membership-types.routes.js';
import { membershipsRoutes } from '../memberships/memberships.routes.js';
import { sitesRoutes } from '../sites/sites.routes.js';
import { importsRoutes } from '../imports/imports.routes.js';
import { SiteSchema } from '../sites/sites.schemas.js';
import { MembershipTypeSchema } from '../membership-types/membership-types.schemas.js';
import { MemberSchema } from '../members/members.schemas.js';
import { MembershipSchema } from '../memberships/memberships.schemas.js';
import { AttendanceSchema } from '../attendance/attendance.schemas.js';
import type { ImportsService } from '../imports/imports.service.js';

/** What the /v1 resource routes need: each plugin's own dependencies (so this folder composes, below deps.ts). */
type PublicApiRouteDeps = Parameters<typeof sitesRoutes>[0] &
  Parameters<typeof membershipTypesRoutes>[0] &
  Parameters<typeof membersRoutes>[0] &
  Parameters<typeof membershipsRoutes>[0] &
  Parameters<typeof attendanceRoutes>[0] & { imports: ImportsService };

/** Registers every /v1 resource route of the public API. */
export function publicApiRoutes(deps: PublicApiRouteDeps): FastifyPluginAsync {
  return async (app) => {
    // Shared by sibling route plugins (e.g. a member's memberships), so added once here.
    for (const schema of [SiteSchema, MembershipTypeSchema, MemberSchema, MembershipSchema, AttendanceSchema]) app.addSchema(schema);
    await app.register(sitesRoutes(deps));
    await app.register(membershipTypesRoutes(deps));
    await app.register(membersRoutes(deps));
    await app.register(membershipsRoutes(deps));
    await app.register(attendanceRoutes(deps));
    await app.register(importsRoutes(deps));
  };
}
