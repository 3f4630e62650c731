import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../http/schemas.js';
import { keyActor } from '../audit/actor.js';
import { IdParams } from '../kernel/common.schemas.js';
import { v1Route } from '../http/docs.js';
import { CancelMembershipBody, MembershipFeedPage, MembershipFeedQuery } from './memberships.schemas.js';
import { membershipView, type MembershipsService } from './memberships.service.js';

/** /v1/memberships: the change feed, one membership, cancellation. */
export function membershipsRoutes(deps: { memberships: MembershipsService }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const Params = IdParams('ms');

    const feed = v1Route(
      'memberships:read',
      ['Memberships'],
      'The membership change feed (keeps CoursePro in step with FLOW’s statuses)',
      'Memberships in the order they changed. `updatedSince` starts the feed at an instant; `integration=coursepro` keeps only types CoursePro maps. Follow `nextCursor` until null and keep the last one: no change is skipped.',
    );
    app.get(
      '/memberships',
      { ...feed, schema: { ...feed.schema, querystring: MembershipFeedQuery, response: { 200: MembershipFeedPage, ...problems(400, 401, 403, 429) } } },
      async (request) => deps.memberships.feed(request.apiKey.environment.id, request.query),
    );

    const get = v1Route('memberships:read', ['Memberships'], 'Get a membership');
    app.get(
      '/memberships/:id',
      { ...get, schema: { ...get.schema, params: Params, response: { 200: Type.Ref('Membership'), ...problems(401, 403, 404, 429) } } },
      async (request) => membershipView(await deps.memberships.get(request.apiKey.environment.id, request.params.id)),
    );

    const cancel = v1Route(
      'memberships:write',
      ['Memberships'],
      'Cancel a membership now',
      'Cancelling an already cancelled membership answers it unchanged; an expired or lapsed one is 409 `conflict`.',
    );
    app.post(
      '/memberships/:id/cancel',
      { ...cancel, schema: { ...cancel.schema, params: Params, body: Type.Union([CancelMembershipBody, Type.Null()]), response: { 200: Type.Ref('Membership'), ...problems(400, 401, 403, 404, 409, 415, 429) } } },
      async (request) => membershipView(await deps.memberships.cancel(request.apiKey.environment.id, request.params.id, request.body?.reason, keyActor(request))),
    );
  };
}
