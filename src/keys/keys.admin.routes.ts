import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MATRIX, PERMISSIONS, PURPOSES, PURPOSE_INFO, permissionsOf } from '../kernel/permissions.js';
import { staffActor } from '../staff/staff-auth.js';
import { problems, Page } from '../http/schemas.js';
import type { KeysService } from './keys.service.js';
import { CreateKeyBody, KeyListQuery, KeyWithSecretSchema, PurposesSchema, RollBody, UpdateKeyBody, UsageDaySchema } from './keys.schemas.js';

const tags = ['Admin: API keys'];
const security = [{ session: [] }];
const Params = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_]{1,64}$' }) });

/** /admin/v1 routes for the key lifecycle: validate, one service call, answer. */
export function keysAdminRoutes(deps: { keys: KeysService }): FastifyPluginAsyncTypebox {
  const { keys } = deps;
  return async (app) => {
    app.get(
      '/purposes',
      {
        schema: {
          tags,
          security,
          summary: 'The four purposes with their descriptions and the permissions each grants (the single matrix)',
          response: {
            200: PurposesSchema,
          },
        },
      },
      async () => ({
        purposes: PURPOSES.map((p) => ({ id: p, ...PURPOSE_INFO[p], permissions: permissionsOf(p) })),
        permissions: PERMISSIONS.map((perm) => ({ id: perm, purposes: [...MATRIX[perm]] })),
      }),
    );

    app.get(
      '/api-keys',
      {
        schema: {
          tags,
          security,
          summary: 'List the environment’s API keys (redacted)',
          querystring: KeyListQuery,
          response: { 200: Type.Object({ ...Page(Type.Ref('ApiKey')).properties, total: Type.Integer() }), ...problems(400, 401) },
        },
      },
      async (request) => keys.list(request.staff.environmentId, request.query),
    );

    app.post(
      '/api-keys',
      {
        config: { adminOnly: true },
        schema: {
          tags,
          security,
          summary: 'Create an API key; the answer holds the secret, shown this once',
          body: CreateKeyBody,
          response: { 201: KeyWithSecretSchema, ...problems(400, 401, 403, 413, 415) },
        },
      },
      async (request, reply) => {
        const { key, view } = await keys.create(request.staff.environmentId, request.body, staffActor(request));
        reply.code(201).header('Cache-Control', 'no-store');
        return { ...view, key };
      },
    );

    app.get(
      '/api-keys/:id',
      { schema: { tags, security, summary: 'One API key', params: Params, response: { 200: Type.Ref('ApiKey'), ...problems(401, 404) } } },
      async (request) => keys.get(request.staff.environmentId, request.params.id),
    );

    app.patch(
      '/api-keys/:id',
      {
        config: { adminOnly: true },
        schema: { tags, security, summary: 'Change reference, theme, address allowlist, redirect origins or rate limit', params: Params, body: UpdateKeyBody, response: { 200: Type.Ref('ApiKey'), ...problems(400, 401, 403, 404, 409) } },
      },
      async (request) => keys.update(request.staff.environmentId, request.params.id, request.body, staffActor(request)),
    );

    app.post(
      '/api-keys/:id/revoke',
      {
        config: { adminOnly: true },
        schema: { tags, security, summary: 'Revoke now, for good', params: Params, response: { 200: Type.Ref('ApiKey'), ...problems(401, 403, 404, 409) } },
      },
      async (request) => keys.revoke(request.staff.environmentId, request.params.id, staffActor(request)),
    );

    app.post(
      '/api-keys/:id/roll',
      {
        config: { adminOnly: true },
        schema: {
          tags,
          security,
          summary: 'Issue a new secret; the old one keeps working for graceSeconds',
          params: Params,
          body: Type.Optional(RollBody),
          response: { 200: KeyWithSecretSchema, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const { key, view } = await keys.roll(request.staff.environmentId, request.params.id, request.body?.graceSeconds ?? 0, staffActor(request));
        reply.header('Cache-Control', 'no-store');
        return { ...view, key };
      },
    );

    app.get(
      '/api-keys/:id/usage',
      {
        schema: {
          tags,
          security,
          summary: 'Requests per day (UTC) with failures by code',
          params: Params,
          querystring: Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, default: 30 })) }, { additionalProperties: false }),
          response: {
            200: Type.Object({ days: Type.Array(UsageDaySchema) }),
            ...problems(401, 404),
          },
        },
      },
      async (request) => keys.usage(request.staff.environmentId, request.params.id, request.query.days ?? 30),
    );
  };
}

