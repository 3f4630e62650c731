import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../http/schemas.js';
import { MeSchema } from './keys.schemas.js';

/** GET /v1/me: the calling key and its environment. */
export function meRoutes(): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/me',
      {
        schema: {
          tags: ['Keys'],
          summary: 'The calling key: its environment, purpose, expiry and permissions (any purpose)',
          security: [{ bearer: [] }, { apiKeyHeader: [] }],
          response: { 200: MeSchema, ...problems(401, 403, 429) },
        },
      },
      async (request) => {
        const k = request.apiKey;
        return {
          environment: { id: k.environment.id, slug: k.environment.slug, name: k.environment.name },
          key: { id: k.id, reference: k.reference, purpose: k.purpose, expiresOn: k.expiresOn, expiresAt: k.expiresAt, permissions: k.permissionList },
        };
      },
    );
  };
}
