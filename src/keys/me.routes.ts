import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../http/schemas.js';
import { MeSchema } from './keys.schemas.js';

/** GET /v1/me: the calling key and its environment. */
export function meRoutes(): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/me',
      {
        // The hot path: no compression hooks (the body is under the threshold anyway).
        compress: false,
        schema: {
          tags: ['Keys'],
          summary: 'The calling key: its environment, purpose, expiry and permissions (any purpose)',
          security: [{ bearer: [] }, { apiKeyHeader: [] }],
          response: { 200: MeSchema, ...problems(401, 403, 429) },
        },
      },
      (request, reply) => {
        // The answer is a pure function of the verified key: serialised once per cache fill, not per request.
        // A string payload skips the serializer; the schema still documents the shape. A synchronous handler
        // that returns nothing: no promise for Fastify to wait on, on the busiest route.
        reply.type('application/json; charset=utf-8').send(request.apiKey.meJson as never);
      },
    );
  };
}
