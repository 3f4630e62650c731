import type { FastifyInstance, FastifyReply, FastifyRequest, onResponseHookHandler } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/metrics.js';
import { accessLog, routeField } from './logging.js';

const NO_ROUTE = routeField(undefined);

/**
 * Counts every answer for /metrics and writes its access line. Each route gets its own onResponse hook with
 * its pattern bound when the route is registered, so nothing is looked up per request (request.routeOptions
 * builds an object on every read); answers that matched no route are handled by one app-wide hook. Install
 * before any route is registered.
 */
export function observeResponses(app: FastifyInstance, deps: { metrics: Pick<Metrics, 'http'>; logger: Logger }): void {
  const { metrics } = deps;
  const log = accessLog(deps.logger);
  app.addHook('onRoute', (route) => {
    const url = route.url;
    const field = routeField(url);
    const observe = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      metrics.http(request.method, url, reply.statusCode);
      log(request, reply, field);
      done();
    };
    const own = route.onResponse === undefined ? [] : Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse];
    route.onResponse = [...own, observe as onResponseHookHandler];
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) {
      metrics.http(request.method, undefined, reply.statusCode);
      log(request, reply, NO_ROUTE);
    }
    done();
  });
}
