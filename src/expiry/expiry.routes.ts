import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../http/schemas.js';
import type { KeysService } from '../keys/keys.service.js';

/** GET /admin/v1/expiring-keys: the environment's live keys expiring within 14 days, soonest first (console home). */
export function expiryRoutes(deps: { keys: KeysService }): FastifyPluginAsyncTypebox {
  const { keys } = deps;
  return async (app) => {
    app.get(
      '/expiring-keys',
      {
        schema: {
          tags: ['Admin: API keys'],
          security: [{ session: [] }],
          summary: 'Live keys expiring within 14 days, soonest first (for the console home)',
          querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })), cursor: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
          response: { 200: Type.Object({ data: Type.Array(Type.Ref('ApiKey')), nextCursor: Type.Union([Type.String(), Type.Null()]), total: Type.Integer() }), ...problems(400, 401) },
        },
      },
      async (request) =>
        keys.list(request.staff.environmentId, { status: 'expiring_soon', sort: 'expiresOn', order: 'asc', limit: request.query.limit ?? 25, cursor: request.query.cursor }),
    );
  };
}
