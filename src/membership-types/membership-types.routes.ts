import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../http/schemas.js';
import { v1Route } from '../http/docs.js';
import type { MembershipTypesService } from './membership-types.service.js';
import { MembershipTypeListQuery, MembershipTypePage } from './membership-types.schemas.js';

/** GET /v1/membership-types. */
export function membershipTypesRoutes(deps: { membershipTypes: MembershipTypesService }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const r = v1Route(
      'membership_types:read',
      ['Membership types'],
      'List membership types (name, price, payment type, integration)',
      'Use `?integration=coursepro` for the types CoursePro maps to its courses.',
    );
    app.get(
      '/membership-types',
      { ...r, schema: { ...r.schema, querystring: MembershipTypeListQuery, response: { 200: MembershipTypePage, ...problems(400, 401, 403, 429) } } },
      async (request) => deps.membershipTypes.list(request.apiKey.environment.id, request.query),
    );
  };
}
