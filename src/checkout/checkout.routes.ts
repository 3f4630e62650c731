import { type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../kernel/errors.js';
import type { IdempotencyService } from '../idempotency/idempotency.service.js';
import { IdempotencyHeaders } from '../members/members.schemas.js';
import { keyActor } from '../audit/actor.js';
import { KEY_SECURITY, permissionDoc } from '../http/docs.js';
import { problems } from '../http/schemas.js';
import type { CheckoutService } from './checkout.service.js';
import { CreateSessionBodySchema, MandateParams, SessionParams, SessionViewSchema, TestMandateSchema, type SessionView } from './checkout.schemas.js';
import type { TestProvider } from './test-provider.js';

const tags = ['Checkout'];
const security = KEY_SECURITY;

/** The public base URL for links: FLOW_PUBLIC_URL when set, else the request's own origin. */
export function baseUrlOf(request: FastifyRequest, publicUrl: string | undefined): string {
  return (publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
}

/** /v1/checkout: create and read checkout sessions; the test provider's mandate decisions. */
export function checkoutApiRoutes(deps: {
  checkout: CheckoutService;
  testProvider: TestProvider | undefined;
  publicUrl: string | undefined;
  idempotency: Pick<IdempotencyService, 'run'>;
}): FastifyPluginAsyncTypebox {
  const { checkout, testProvider, publicUrl, idempotency } = deps;
  return async (app) => {
    // Schemas stay inline: addSchema in this plugin would give it Fastify's default (coercing, stripping) validator.
    app.post(
      '/checkout/sessions',
      {
        config: { permission: 'checkout:write' },
        schema: {
          tags,
          security,
          summary: 'Create a hosted checkout session (send the customer to its url; it expires after 24 hours)',
          description: permissionDoc(
            'checkout:write',
            'successUrl and cancelUrl must be https (http only for localhost) and, when the key lists allowed redirect origins, on one of them. ' +
            'The customer returns to them with ?session_id=<id> appended. Read the session to see the member and membership created. ' +
            'Send `Idempotency-Key` to retry safely: the same key and body within 24 h returns the first session (with `Idempotent-Replayed: true`); the same key with another body is 409 `conflict`.',
          ),
          headers: IdempotencyHeaders,
          body: CreateSessionBodySchema,
          response: { 201: SessionViewSchema, ...problems(400, 401, 403, 409, 413, 415, 429) },
        },
      },
      async (request, reply) => {
        const answer = await idempotency.run<SessionView>(
          { environmentId: request.apiKey.environment.id, apiKeyId: request.apiKey.id },
          request.headers['idempotency-key'],
          'POST /v1/checkout/sessions',
          request.body,
          async () => ({ status: 201, body: await checkout.create(request.apiKey, request.body, baseUrlOf(request, publicUrl)) }),
        );
        if (answer.replayed) reply.header('Idempotent-Replayed', 'true');
        return reply.code(answer.status as 201).header('Location', `/v1/checkout/sessions/${answer.body.id}`).send(answer.body);
      },
    );

    app.get(
      '/checkout/sessions/:id',
      {
        config: { permission: 'checkout:write' },
        schema: {
          tags,
          security,
          summary: 'Read a checkout session: status open | completed | expired | cancelled, and once completed the member and membership',
          description: permissionDoc('checkout:write', "Another environment's sessions answer 404 `not_found`."),
          params: SessionParams,
          response: { 200: SessionViewSchema, ...problems(401, 403, 404, 429) },
        },
      },
      async (request) => checkout.get(request.apiKey.environment.id, request.params.id, baseUrlOf(request, publicUrl)),
    );

    for (const outcome of ['confirm', 'fail'] as const) {
      app.post(
        `/checkout/test-provider/mandates/:id/${outcome}`,
        {
          config: { permission: 'checkout:write' },
          schema: {
            tags,
            security,
            summary:
              outcome === 'confirm'
                ? 'Test provider only: confirm a pending Direct Debit mandate (as the bank would); its membership goes pending → active'
                : 'Test provider only: fail a pending Direct Debit mandate; its membership is cancelled',
            description: permissionDoc('checkout:write', 'Only while the built-in test payment provider is in use (see docs/payments.md); 409 `conflict` when the mandate was already decided.'),
            params: MandateParams,
            response: { 200: TestMandateSchema, ...problems(401, 403, 404, 409, 429) },
          },
        },
        async (request) => {
          const envId = request.apiKey.environment.id;
          const id = request.params.id;
          const mandate = testProvider ? await testProvider.findMandate(envId, id) : undefined;
          if (!testProvider || !mandate) throw new AppError('not_found', `No test mandate ${id}.`);
          const decided = outcome === 'confirm' ? await testProvider.confirmMandate(envId, id) : await testProvider.failMandate(envId, id);
          if (!decided) throw new AppError('conflict', `Mandate ${id} is already ${mandate.status}.`);
          const sessionId = await checkout.mandateDecided(envId, testProvider.name, id, outcome === 'confirm' ? 'active' : 'failed', keyActor(request));
          return { id, status: outcome === 'confirm' ? ('active' as const) : ('failed' as const), checkoutSessionId: sessionId ?? '' };
        },
      );
    }
  };
}
