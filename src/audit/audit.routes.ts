import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems, Page } from '../http/schemas.js';
import type { AuditService } from './audit.service.js';

const EventSchema = Type.Object({
  id: Type.String(),
  actor: Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]), label: Type.Union([Type.String(), Type.Null()]) }),
  action: Type.String(),
  targetType: Type.Union([Type.String(), Type.Null()]),
  targetId: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  changes: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Type.String(),
});

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
          response: { 200: Page(EventSchema), ...problems(400, 401) },
        },
      },
      async (request) => deps.audit.list({ environmentId: request.staff.environmentId, ...request.query }),
    );
  };
}
