import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../kernel/errors.js';
import { sha256 } from '../kernel/crypto.js';
import type { Metrics } from './metrics.js';

/** `GET /metrics` in Prometheus text format; behind a bearer token when FLOW_METRICS_TOKEN is set. */
export function metricsRoutes(deps: { metrics: Metrics; config: { metricsToken: string | undefined } }) {
  const expected = deps.config.metricsToken === undefined ? undefined : sha256(deps.config.metricsToken);
  return async function (app: FastifyInstance): Promise<void> {
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (expected) {
        const auth = request.headers.authorization ?? '';
        const presented = auth.startsWith('Bearer ') ? auth.slice(7) : '';
        // Compare digests so the comparison is constant-time whatever the presented length.
        if (!timingSafeEqual(sha256(presented), expected)) throw new AppError('unauthenticated', 'Send the metrics token as "Authorization: Bearer <token>".');
      }
      reply.header('Cache-Control', 'no-store');
      return reply.type(deps.metrics.contentType).send(await deps.metrics.render());
    });
  };
}
