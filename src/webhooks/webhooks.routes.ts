import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { keyActor } from '../audit/actor.js';
import { v1Route } from '../http/docs.js';
import { problems } from '../http/schemas.js';
import { IdParams } from '../kernel/common.schemas.js';
import type { KeyOwner, WebhooksService } from './webhooks.service.js';
import { CreateEndpointBody, DeliverySchema, EndpointList, TestEventAnswer, UpdateEndpointBody, WebhookEndpointSchema, WebhookEndpointWithSecret } from './webhooks.schemas.js';

const tags = ['Webhooks'];
const owner = (request: FastifyRequest): KeyOwner => ({ id: request.apiKey.id, environmentId: request.apiKey.environment.id, purpose: request.apiKey.purpose });

/** /v1/webhook-endpoints: the calling key's own endpoints (CONTRACT §8). Self-contained: registered with one line. */
export function webhooksRoutes(deps: { webhooks: WebhooksService }): FastifyPluginAsyncTypebox {
  const { webhooks } = deps;
  return async (app) => {
    app.addSchema(WebhookEndpointSchema);
    app.addSchema(DeliverySchema);
    const Params = IdParams('we');

    const list = v1Route('webhooks:manage', tags, 'List this key’s webhook endpoints');
    app.get('/webhook-endpoints', { ...list, schema: { ...list.schema, response: { 200: EndpointList, ...problems(401, 403, 429) } } }, async (request) => webhooks.list(owner(request)));

    const create = v1Route(
      'webhooks:manage',
      tags,
      'Add a webhook endpoint to this key',
      'The answer holds `secret` (`whsec_…`), shown this once: verify every delivery’s `webhook-signature` with it. An event type whose data the key’s purpose may not read answers 403 `permission_denied` naming the type. `url` must be https:// and must not resolve to a loopback, private, link-local or metadata address (400 `validation_failed` naming `url`).',
    );
    app.post(
      '/webhook-endpoints',
      { ...create, schema: { ...create.schema, body: CreateEndpointBody, response: { 201: WebhookEndpointWithSecret, ...problems(400, 401, 403, 409, 413, 415, 429) } } },
      async (request, reply) => {
        const created = await webhooks.create(owner(request), request.body, keyActor(request));
        reply.header('Cache-Control', 'no-store').header('Location', `/v1/webhook-endpoints/${created.id}`);
        return reply.code(201).send(created);
      },
    );

    const get = v1Route('webhooks:manage', tags, 'Get one of this key’s webhook endpoints', 'Another key’s or environment’s endpoint answers 404 `not_found`.');
    app.get('/webhook-endpoints/:id', { ...get, schema: { ...get.schema, params: Params, response: { 200: Type.Ref('WebhookEndpoint'), ...problems(401, 403, 404, 429) } } }, async (request) =>
      webhooks.get(owner(request), request.params.id),
    );

    const patch = v1Route('webhooks:manage', tags, 'Change, pause or resume a webhook endpoint', '`status: "paused"` holds deliveries until `status: "enabled"`.');
    app.patch(
      '/webhook-endpoints/:id',
      { ...patch, schema: { ...patch.schema, params: Params, body: UpdateEndpointBody, response: { 200: Type.Ref('WebhookEndpoint'), ...problems(400, 401, 403, 404, 415, 429) } } },
      async (request) => webhooks.update(owner(request), request.params.id, request.body, keyActor(request)),
    );

    const del = v1Route('webhooks:manage', tags, 'Delete a webhook endpoint', 'Pending deliveries to it are dropped.');
    app.delete('/webhook-endpoints/:id', { ...del, schema: { ...del.schema, params: Params, response: { 204: Type.Null(), ...problems(401, 403, 404, 429) } } }, async (request, reply) => {
      await webhooks.remove(owner(request), request.params.id, keyActor(request));
      return reply.code(204).send(null);
    });

    const roll = v1Route('webhooks:manage', tags, 'Roll the signing secret', 'The new secret signs every delivery from now on (the old one at once stops); shown this once.');
    app.post(
      '/webhook-endpoints/:id/roll-secret',
      { ...roll, schema: { ...roll.schema, params: Params, response: { 200: WebhookEndpointWithSecret, ...problems(401, 403, 404, 429) } } },
      async (request, reply) => {
        reply.header('Cache-Control', 'no-store');
        return webhooks.rollSecret(owner(request), request.params.id, keyActor(request));
      },
    );

    const test = v1Route('webhooks:manage', tags, 'Send a test event', 'Queues one `webhook_endpoint.test` event to this endpoint alone, signed like every delivery.');
    app.post(
      '/webhook-endpoints/:id/test',
      { ...test, schema: { ...test.schema, params: Params, response: { 202: TestEventAnswer, ...problems(401, 403, 404, 429) } } },
      async (request, reply) => reply.code(202).send(await webhooks.sendTest(owner(request), request.params.id)),
    );
  };
}
