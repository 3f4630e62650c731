import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../http/schemas.js';
import { staffActor } from '../staff/staff-auth.js';
import type { WebhooksService } from './webhooks.service.js';
import { CreateEndpointBody, DeliveryListQuery, DeliverySchema, WebhookEndpointSchema, DeliveryPage, EndpointList, TestEventAnswer, UpdateEndpointBody, WebhookEndpointWithSecret } from './webhooks.schemas.js';

const tags = ['Admin: webhooks'];
const security = [{ session: [] }];
const Params = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_]{1,64}$' }) });

/**
 * /admin/v1 webhook routes for the key's page: its endpoints, add, their delivery log, redeliver, pause/resume,
 * delete, roll the secret, test. Self-contained (adds the schemas it references): registered with one line.
 */
export function webhooksAdminRoutes(deps: { webhooks: WebhooksService }): FastifyPluginAsyncTypebox {
  const { webhooks } = deps;
  return async (app) => {
    app.addSchema(WebhookEndpointSchema);
    app.addSchema(DeliverySchema);
    app.get(
      '/api-keys/:id/webhook-endpoints',
      { schema: { tags, security, summary: 'The key’s webhook endpoints', params: Params, response: { 200: EndpointList, ...problems(401, 404) } } },
      async (request) => webhooks.listForKey(request.staff.environmentId, request.params.id),
    );
    app.post(
      '/api-keys/:id/webhook-endpoints',
      {
        config: { adminOnly: true },
        schema: {
          tags,
          security,
          summary: 'Add a webhook endpoint to the key',
          description:
            'The answer holds `secret` (`whsec_…`), shown this once. An event type whose data the key’s purpose may not read answers 403 `permission_denied` naming the type; a revoked key answers 409 `conflict`.',
          params: Params,
          body: CreateEndpointBody,
          response: { 201: WebhookEndpointWithSecret, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const created = await webhooks.adminCreate(request.staff.environmentId, request.params.id, request.body, staffActor(request));
        reply.header('Cache-Control', 'no-store');
        return reply.code(201).send(created);
      },
    );
    app.post(
      '/webhook-endpoints/:id/roll-secret',
      {
        config: { adminOnly: true },
        schema: {
          tags,
          security,
          summary: 'Roll the endpoint’s signing secret',
          description: 'The new secret signs every delivery from now on (the old one at once stops); shown this once.',
          params: Params,
          response: { 200: WebhookEndpointWithSecret, ...problems(401, 403, 404) },
        },
      },
      async (request, reply) => {
        reply.header('Cache-Control', 'no-store');
        return webhooks.adminRollSecret(request.staff.environmentId, request.params.id, staffActor(request));
      },
    );
    app.patch(
      '/webhook-endpoints/:id',
      {
        config: { adminOnly: true },
        schema: { tags, security, summary: 'Change, pause or resume a webhook endpoint', params: Params, body: UpdateEndpointBody, response: { 200: Type.Ref('WebhookEndpoint'), ...problems(400, 401, 403, 404) } },
      },
      async (request) => webhooks.adminUpdate(request.staff.environmentId, request.params.id, request.body, staffActor(request)),
    );
    app.delete(
      '/webhook-endpoints/:id',
      { config: { adminOnly: true }, schema: { tags, security, summary: 'Delete a webhook endpoint', params: Params, response: { 204: Type.Null(), ...problems(401, 403, 404) } } },
      async (request, reply) => {
        await webhooks.adminRemove(request.staff.environmentId, request.params.id, staffActor(request));
        return reply.code(204).send(null);
      },
    );
    app.get(
      '/webhook-endpoints/:id/deliveries',
      {
        schema: { tags, security, summary: 'The endpoint’s deliveries, newest first, with their attempt log (kept 30 days)', params: Params, querystring: DeliveryListQuery, response: { 200: DeliveryPage, ...problems(400, 401, 404) } },
      },
      async (request) => webhooks.deliveries(request.staff.environmentId, request.params.id, request.query),
    );
    app.post(
      '/webhook-endpoints/:id/test',
      { config: { adminOnly: true }, schema: { tags, security, summary: 'Send a test event to the endpoint', params: Params, response: { 202: TestEventAnswer, ...problems(401, 403, 404) } } },
      async (request, reply) => reply.code(202).send(await webhooks.adminSendTest(request.staff.environmentId, request.params.id)),
    );
    app.post(
      '/webhook-deliveries/:id/redeliver',
      { config: { adminOnly: true }, schema: { tags, security, summary: 'Send the delivery’s event again (a new delivery with the same webhook-id)', params: Params, response: { 202: Type.Ref('WebhookDelivery'), ...problems(401, 403, 404) } } },
      async (request, reply) => reply.code(202).send(await webhooks.redeliver(request.staff.environmentId, request.params.id, staffActor(request))),
    );
  };
}
