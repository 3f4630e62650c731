import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AccessCodesService } from '../access-codes/access-codes.service.js';
import type { IdempotencyService } from '../idempotency/idempotency.service.js';
import { problems } from '../http/schemas.js';
import { MemberMembershipsQuery, MembershipPage } from '../memberships/memberships.schemas.js';
import type { MembershipsService } from '../memberships/memberships.service.js';
import { keyActor } from '../audit/actor.js';
import { IdParams } from '../kernel/common.schemas.js';
import { v1Route } from '../http/docs.js';
import {
  CreateMemberBody,
  IdempotencyHeaders,
  IfMatchHeaders,
  MemberListQuery,
  MemberPage,

  UpdateMemberBody,
  type MemberView,
} from './members.schemas.js';
import { memberEtag, memberView, type MembersService } from './members.service.js';

const AccessCodeSchema = Type.Object({
  memberId: Type.String(),
  code: Type.String({ description: 'Show as the entry barcode/QR; signed, valid until expiresAt.' }),
  expiresAt: Type.String(),
  ttlSeconds: Type.Integer(),
});

/** /v1/members: list, change feed, read, create (idempotent), update (If-Match), a member's memberships and access code. */
export function membersRoutes(deps: { members: MembersService; memberships: MembershipsService; accessCodes: AccessCodesService; idempotency: IdempotencyService }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const Params = IdParams('mem');

    const list = v1Route(
      'members:read',
      ['Members'],
      'List members, or follow the change feed with updatedSince',
      'Without `updatedSince`: oldest first, stable under inserts. With `updatedSince`: members changed at or after that instant in the order they changed; follow `nextCursor` until it is null, keep the last cursor to continue later — no change is skipped. `email` matches case-insensitively.',
    );
    app.get(
      '/members',
      { ...list, schema: { ...list.schema, querystring: MemberListQuery, response: { 200: MemberPage, ...problems(400, 401, 403, 429) } } },
      async (request) => deps.members.list(request.apiKey.environment.id, request.query),
    );

    const get = v1Route('members:read', ['Members'], 'Get a member', 'The `ETag` header goes in `If-Match` of a later PATCH.');
    app.get(
      '/members/:id',
      { ...get, schema: { ...get.schema, params: Params, response: { 200: Type.Ref('Member'), ...problems(401, 403, 404, 429) } } },
      async (request, reply) => {
        const m = await deps.members.get(request.apiKey.environment.id, request.params.id);
        reply.header('ETag', memberEtag(m));
        return memberView(m);
      },
    );

    const create = v1Route(
      'members:write',
      ['Members'],
      'Create a member',
      'Send `Idempotency-Key` to retry safely: the same key and body within 24 h returns the first answer (with `Idempotent-Replayed: true`) and creates nothing; the same key with another body is 409 `conflict`.',
    );
    app.post(
      '/members',
      {
        ...create,
        schema: { ...create.schema, headers: IdempotencyHeaders, body: CreateMemberBody, response: { 201: Type.Ref('Member'), ...problems(400, 401, 403, 409, 413, 415, 429) } },
      },
      async (request, reply) => {
        const env = request.apiKey.environment.id;
        const answer = await deps.idempotency.run<MemberView & { etag?: string }>(
          { environmentId: env, apiKeyId: request.apiKey.id },
          request.headers['idempotency-key'],
          'POST /v1/members',
          request.body,
          async () => {
            const m = await deps.members.create(env, request.body, keyActor(request));
            return { status: 201, body: { ...memberView(m), etag: memberEtag(m) } };
          },
        );
        const { etag, ...body } = answer.body;
        if (etag) reply.header('ETag', etag);
        if (answer.replayed) reply.header('Idempotent-Replayed', 'true');
        reply.header('Location', `/v1/members/${body.id}`);
        return reply.code(answer.status as 201).send(body);
      },
    );

    const patch = v1Route(
      'members:write',
      ['Members'],
      'Update a member',
      'Send `If-Match: <ETag>` from your last read to prevent lost updates: if the member changed since, the answer is 412 `precondition_failed` and nothing changes. `null` clears an optional field.',
    );
    app.patch(
      '/members/:id',
      {
        ...patch,
        schema: { ...patch.schema, params: Params, headers: IfMatchHeaders, body: UpdateMemberBody, response: { 200: Type.Ref('Member'), ...problems(400, 401, 403, 404, 409, 412, 415, 429) } },
      },
      async (request, reply) => {
        const m = await deps.members.update(request.apiKey.environment.id, request.params.id, request.body, keyActor(request), request.headers['if-match']);
        reply.header('ETag', memberEtag(m));
        return memberView(m);
      },
    );

    const memberships = v1Route('memberships:read', ['Memberships'], 'List a member’s memberships');
    app.get(
      '/members/:id/memberships',
      { ...memberships, schema: { ...memberships.schema, params: Params, querystring: MemberMembershipsQuery, response: { 200: MembershipPage, ...problems(400, 401, 403, 404, 429) } } },
      async (request) => deps.memberships.listForMember(request.apiKey.environment.id, request.params.id, request.query),
    );

    const code = v1Route(
      'access_codes:read',
      ['Access codes'],
      'Issue a short-lived entry code for the member app',
      'A signed code (`fa1.<memberId>.<expiry>.<signature>`) valid for two minutes, issued only while the member holds an **active** membership; otherwise 409 `conflict`. Unknown members: 404. Fetch a fresh one each time the barcode is shown.',
    );
    app.get(
      '/members/:id/access-code',
      { ...code, schema: { ...code.schema, params: Params, response: { 200: AccessCodeSchema, ...problems(401, 403, 404, 409, 429) } } },
      async (request, reply) => {
        reply.header('Cache-Control', 'no-store');
        return deps.accessCodes.issue(request.apiKey.environment.id, request.params.id);
      },
    );
  };
}
