import { randomBytes } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { apiKeyGateOnRoute, createApiKeyAuth } from './keys/api-key-auth.js';
import { createStaffAuth } from './staff/staff-auth.js';
import { auditRoutes } from './audit/audit.routes.js';
import { checkoutPageRoutes } from './checkout/checkout.pages.routes.js';
import { checkoutApiRoutes } from './checkout/checkout.routes.js';
import type { Deps } from './deps.js';
import { AppError } from './kernel/errors.js';
import { registerConsole } from './http/console.js';
import { clientErrorHandler, installErrorHandler, sendProblem } from './http/problems.js';
import { ProblemSchema } from './http/schemas.js';
import { securityHeaders, securityHeadersFor } from './http/security-headers.js';
import { notFound, surface } from './http/surface.js';
import { lazyRequestLogger } from './http/logging.js';
import { observeResponses } from './http/observe.js';
import { validatorCompiler } from './http/validation.js';
import { keysAdminRoutes } from './keys/keys.admin.routes.js';
import { KeyViewSchema } from './keys/keys.schemas.js';
import { meRoutes } from './keys/me.routes.js';
import { logoFileRoutes, logosAdminRoutes } from './logos/logos.routes.js';
import { expiryRoutes } from './expiry/expiry.routes.js';
import { leakedRoutes } from './keys/leaked.routes.js';
import { metricsRoutes } from './metrics/metrics.routes.js';
import { sessionRoutes } from './staff/session.routes.js';
import { publicApiRoutes } from './public-api/public-api.routes.js';
import { registerApiDocs } from './public-api/docs-routes.js';
import { registerCompression } from './http/compression.js';
import { webhooksRoutes } from './webhooks/webhooks.routes.js';
import { webhooksAdminRoutes } from './webhooks/webhooks.admin.routes.js';

/**
 * Request ids: a random per-process prefix and a counter — unique across nodes without a CSPRNG call per
 * request (which showed up at ~5 % of CPU on the hot path).
 */
function requestIds(): () => string {
  const prefix = 'req_' + randomBytes(6).toString('base64url');
  let n = 0;
  return () => prefix + (++n).toString(36);
}

/** Options of buildApp: route plugins added to a surface besides its own (tests mount probe routes on /v1 this way). */
interface AppOptions {
  v1Routes?: FastifyPluginAsync[];
}

/** Builds the HTTP application from its dependencies. Never listens; importing it has no side effects. */
export async function buildApp(deps: Deps, opts: AppOptions = {}): Promise<FastifyInstance> {
  const newRequestId = requestIds();
  const { requestTimeoutMs, headersTimeoutMs, keepAliveTimeoutMs } = deps.config;
  const app = Fastify({
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
    trustProxy: deps.config.trustProxy,
    bodyLimit: 1024 * 1024,
    genReqId: newRequestId,
    requestIdHeader: false,
    // A client that stalls its headers or body is answered 408 and disconnected (Node checks the deadlines
    // every connectionsCheckingInterval, so that is kept to a fraction of the shorter one).
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    http: { headersTimeout: headersTimeoutMs, connectionsCheckingInterval: Math.max(50, Math.min(2_000, Math.floor(headersTimeoutMs / 4))) },
    clientErrorHandler: clientErrorHandler({ newRequestId, timeouts: { requestTimeoutMs, headersTimeoutMs }, log: deps.logger }),
    return503OnClosing: true,
    // URLs the router cannot even parse (bad %-encoding, an over-long id) answer problem+json like the rest.
    frameworkErrors: (err, _request, reply) => {
      const bad = err.code === 'FST_ERR_BAD_URL';
      void sendProblem(reply, bad ? new AppError('validation_failed', 'The URL could not be decoded.', [{ path: 'url', message: 'is not a valid URL' }]) : new AppError('not_found'));
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  installErrorHandler(app);
  // Declared up front, so a request object keeps one shape (set later by the gates: no hidden-class change per request).
  app.decorateRequest('apiKey', null as never);
  app.decorateRequest('staff', null as never);
  app.decorateRequest('staffSession', null as never);
  // Before any route is registered: every route gets its response counter for /metrics and its access line.
  observeResponses(app, deps);
  app.setValidatorCompiler(validatorCompiler());
  // JSON only unless a route registers its own parser (e.g. CSV imports): text/plain bodies answer 415.
  app.removeContentTypeParser('text/plain');
  app.addSchema(ProblemSchema);
  app.addSchema(KeyViewSchema);

  const secure = deps.config.secureCookies;
  const headers = { api: securityHeadersFor('api', secure), console: securityHeadersFor('console', secure), own: securityHeadersFor('own', secure) };
  await registerApiDocs(app, { publicUrl: deps.config.publicUrl, testProvider: deps.checkout.testProvider !== undefined, secure });
  await registerCompression(app);

  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  // The three HTTP surfaces, each encapsulated with its own gate, headers and not-found answer. A new route
  // plugin of a surface is one line in its `routes`.
  const apiKeyGate = createApiKeyAuth(deps);
  await app.register(
    surface({
      headers: headers.api,
      // The API-key gate is bound to each route with its config.permission (routes marked noApiKey take none).
      onRoute: apiKeyGateOnRoute(apiKeyGate),
      // Unknown /v1 paths authenticate first, like every /v1 call: no probing for routes without a key.
      notFoundGate: apiKeyGate(undefined),
      routes: [
        meRoutes(),
        publicApiRoutes(deps),
        leakedRoutes(deps),
        webhooksRoutes(deps),
        checkoutApiRoutes({ checkout: deps.checkout.service, testProvider: deps.checkout.testProvider, publicUrl: deps.config.publicUrl, idempotency: deps.idempotency }),
        ...(opts.v1Routes ?? []),
      ],
    }),
    { prefix: '/v1' },
  );
  await app.register(
    surface({
      headers: headers.api,
      // Cookies are read and set on this surface only (the staff session).
      plugins: [fastifyCookie],
      // A staff session (and the CSRF header on state changes) on every path, unknown ones included.
      gate: createStaffAuth(deps),
      routes: [
        sessionRoutes({ staff: deps.staff, environments: deps.environments, secureCookies: secure }),
        keysAdminRoutes(deps),
        logosAdminRoutes(deps),
        auditRoutes(deps),
        expiryRoutes(deps),
        webhooksAdminRoutes(deps),
      ],
    }),
    { prefix: '/admin/v1' },
  );
  // The hosted checkout pages: no gate; each page sets its own Content-Security-Policy.
  await app.register(surface({ headers: headers.own, routes: [checkoutPageRoutes({ checkout: deps.checkout.service })] }), { prefix: '/checkout' });

  // At the root: logo files, operations endpoints, the console (its assets and, for any other GET, its page).
  await app.register(surface({ headers: headers.own, routes: [logoFileRoutes(deps)] }), { prefix: '/logos' });
  await app.register(surface({ headers: headers.api, routes: [] }), { prefix: '/admin' });
  await app.register(async (ops) => {
    ops.addHook('onRequest', securityHeaders(headers.api));
    ops.get('/health', { schema: { hide: true, response: { 200: Type.Object({ status: Type.String() }) } } }, async () => ({ status: 'ok' }));
    ops.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
      const [store, shared] = await Promise.all([deps.store.ping(), deps.shared.ping()]);
      if (!store || !shared) return sendProblem(reply, new AppError('unavailable', `Not ready: ${!store ? 'store' : 'shared state'} unreachable.`));
      return { status: 'ready' };
    });
    await ops.register(metricsRoutes(deps));
  });

  const sendConsole = await registerConsole(app, headers.console);
  app.setNotFoundHandler((request, reply) => {
    if (request.method === 'GET' || request.method === 'HEAD') return sendConsole(reply);
    reply.headers(headers.console);
    return notFound(request, reply);
  });
  return app;
}
