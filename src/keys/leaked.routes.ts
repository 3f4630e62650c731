import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../kernel/errors.js';
import { problems } from '../http/schemas.js';
import type { Metrics } from '../metrics/metrics.js';
import type { SharedState } from '../shared/shared-state.js';
import { MAX_LEAKED_KEYS, type LeakedKeysService } from './leaked.service.js';

const WINDOW_MS = 60_000;

const Body = Type.Object(
  {
    keys: Type.Array(Type.String({ maxLength: 200 }), {
      minItems: 1,
      maxItems: MAX_LEAKED_KEYS,
      description: 'Strings that may be FLOW API keys (matches of the scanner pattern); anything else is ignored',
    }),
  },
  { additionalProperties: false },
);

const Accepted = Type.Object({
  status: Type.Literal('accepted'),
  received: Type.Integer({ description: 'How many strings the report held (the same whether or not any was a key)' }),
});

/** POST /v1/keys/revoke-leaked: unauthenticated leaked-key reports, rate-limited per client address. */
export function leakedRoutes(deps: {
  leaked: LeakedKeysService;
  shared: SharedState;
  config: { leakedReportsPerMinute: number };
  metrics?: Pick<Metrics, 'rateLimited'>;
}): FastifyPluginAsyncTypebox {
  const { leaked, shared, config, metrics } = deps;
  return async (app) => {
    app.post(
      '/keys/revoke-leaked',
      {
        config: { noApiKey: true },
        bodyLimit: 256 * 1024,
        // Counted before the body is read, so a flood of large bodies is turned away cheaply.
        onRequest: async (request, reply) => {
          const r = await shared.hit(`leaked:${request.ip}`, config.leakedReportsPerMinute, WINDOW_MS);
          reply.header('RateLimit-Limit', r.limit);
          reply.header('RateLimit-Remaining', r.remaining);
          reply.header('RateLimit-Reset', r.resetSeconds);
          if (!r.allowed) {
            metrics?.rateLimited('leaked_report');
            throw new AppError('rate_limited', `At most ${r.limit} reports per minute from one address.`, undefined, { 'Retry-After': String(r.resetSeconds) });
          }
        },
        schema: {
          tags: ['Keys'],
          summary: 'Report leaked API keys: each live key among them is revoked at once (no authentication)',
          description:
            'For secret-scanning partners and anyone who finds a FLOW key in public. Send up to 1,000 strings matching ' +
            '`\\bflow_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}\\b`. Every live key among them is revoked (the whole key must match, ' +
            'not only its id) and the revocation is recorded in its environment’s audit trail. The answer is the same ' +
            'whether or not any key existed. Rate-limited per client address.',
          security: [],
          body: Body,
          response: { 202: Accepted, ...problems(400, 413, 415, 429, 503) },
        },
      },
      async (request, reply) => {
        const { received } = await leaked.report(request.body.keys, request.ip);
        return reply.code(202).send({ status: 'accepted' as const, received });
      },
    );
  };
}
