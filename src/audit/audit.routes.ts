import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems, Page } from '../http/schemas.js';
import { AuditEventSchema } from './audit.schemas.js';
import type { AuditService } from './audit.service.js';

/** The environment's audit trail, newest first. */
export function auditRoutes(deps: { audit: AuditService }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/audit-events',
      {
        schema: {
          tags: ['Admin: audit'],
          security: [{ session: [] }],
          summary: 'Audit events of the environment, newest first; filter by target (e.g. a key id) or action',
          querystring: Type.Object(
            {
              targetId: Type.Optional(Type.String({ maxLength: 64 })),
              action: Type.Optional(Type.String({ maxLength: 64 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
              cursor: Type.Optional(Type.String({ maxLength: 300 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Page(AuditEventSchema), ...problems(400, 401) },
        },
      },
      async (request) => deps.audit.list({ environmentId: request.staff.environmentId, ...request.query }),
    );
  };
}
