import type { FastifyInstance, FastifyPluginAsync, FastifyPluginCallback, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { AppError } from '../kernel/errors.js';
import { sendProblem } from './problems.js';
import { securityHeaders } from './security-headers.js';

type Hook = (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void;

/** One HTTP surface (/v1, /admin/v1, /checkout, …): registered with `app.register(surface(…), { prefix })`. */
export interface Surface {
  /** Security headers of every answer of the surface, its errors and 404s included. */
  headers: Record<string, string>;
  /** Runs on every request of the surface, unknown paths included (e.g. the staff session gate). */
  gate?: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Called for each route as it is registered in the surface (e.g. to bind the API-key gate to its permission). */
  onRoute?: (route: RouteOptions) => void;
  /** Runs before the 404 answer of an unknown path (e.g. /v1 authenticates first: no probing for routes without a key). */
  notFoundGate?: Hook;
  /** Plugins that apply to this surface only (fastify-plugin wrapped ones, e.g. @fastify/cookie), registered first. */
  plugins?: ReadonlyArray<FastifyPluginCallback | FastifyPluginAsync>;
  /** The surface's route plugins, paths relative to the prefix. Adding a route plugin is one line here. */
  routes: ReadonlyArray<FastifyPluginAsync<never> | FastifyPluginAsync>;
}

/** 404 problem+json naming the method and path. */
export function notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(reply, new AppError('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`));
}

/**
 * An encapsulated surface: its headers, its gate and its not-found answer apply to its routes only, so no
 * hook looks at the URL to decide what a request is. Errors render as problem+json (the app's error handler).
 */
export function surface(s: Surface): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    for (const plugin of s.plugins ?? []) await app.register(plugin);
    app.addHook('onRequest', securityHeaders(s.headers));
    if (s.gate) app.addHook('onRequest', s.gate);
    if (s.onRoute) app.addHook('onRoute', s.onRoute);
    app.setNotFoundHandler(s.notFoundGate ? { preHandler: s.notFoundGate } : {}, notFound);
    for (const routes of s.routes) await app.register(routes as FastifyPluginAsync);
  };
}
