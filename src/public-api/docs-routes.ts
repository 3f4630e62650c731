import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { baseUrlOf } from '../checkout/checkout.routes.js';
import { buildDocuments, withServers, type ApiDocuments, type OpenApiDocument } from './openapi.js';
import { errorsPage, gettingStartedPage, PAGE_CSP } from './guide.js';
import { securityHeaders, securityHeadersFor } from '../http/security-headers.js';

const API_DESCRIPTION = `The FLOW public API. New here? Read **[Getting started](/docs/getting-started)**: get a key in the console,
make a first call, page through lists, retry safely, stay within the rate limit, handle errors.

Authenticate with \`Authorization: Bearer <key>\` or \`X-API-Key: <key>\`. Both headers with different keys, or either
header sent twice, is refused with 400 validation_failed naming the headers (the same key in both is accepted). Each key has one purpose; each purpose grants
a fixed set of permissions (see each operation). Errors are \`application/problem+json\` with a stable \`code\`, explained
with their fix on **[Errors](/docs/errors)**. Every /v1 answer carries \`RateLimit-Limit\`, \`RateLimit-Remaining\` and
\`RateLimit-Reset\`.`;

/** The document views of /docs, the public API first (the default). */
const VIEWS = [
  { name: 'Public API', url: '/openapi/public.json', part: 'public' },
  { name: 'Admin API', url: '/openapi/admin.json', part: 'admin' },
  { name: 'Test payment provider', url: '/openapi/test-provider.json', part: 'testProvider' },
] as const;

/**
 * The API reference: /openapi.json (the whole contract, /v1 and /admin/v1), one document per audience under
 * /openapi/, Swagger UI at /docs (public API by default; the admin API and the test provider are separate
 * views), the getting-started guide and the error reference. Registered before the routes it documents.
 */
export async function registerApiDocs(app: FastifyInstance, opts: { publicUrl: string | undefined; testProvider: boolean; secure: boolean }): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'FLOW API',
        version: '1.0.0',
        description: API_DESCRIPTION,
        license: { name: 'Proprietary', identifier: 'LicenseRef-FLOW-Proprietary' },
        contact: { name: 'FLOW support' },
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'A FLOW API key: flow_<id>_<secret+checksum>. The scheme is case-insensitive; a bare key without a scheme (`Authorization: flow_…`) is also accepted; any other scheme is key_malformed.',
          },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The same API key, in a header of its own' },
          session: { type: 'apiKey', in: 'cookie', name: 'flow_session', description: 'Staff console session; state changes also need X-CSRF-Token' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });

  let docs: ApiDocuments | undefined;
  // Built once, after every route is registered (the first request comes after ready).
  const documents = (): ApiDocuments => (docs ??= buildDocuments(app.swagger() as unknown as Record<string, unknown>, opts));
  const serve = (doc: OpenApiDocument, request: FastifyRequest) => withServers(doc, baseUrlOf(request, opts.publicUrl));

  const views = VIEWS.filter((v) => v.part !== 'testProvider' || opts.testProvider).map(({ name, url }) => ({ name, url }));
  // /docs: Swagger UI and the guides, each answer with its own Content-Security-Policy.
  await app.register(async (docs) => {
    docs.addHook('onRequest', securityHeaders(securityHeadersFor('own', opts.secure)));
    await docs.register(fastifySwaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      // The plugin's CSP ends in upgrade-insecure-requests, which turns /docs blank over plain http on any host
      // but localhost (the browser upgrades every script to an https URL that does not answer). The rest stays.
      transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/g, ''),
      transformSpecification: (_spec, request) => serve(documents().all, request),
      transformSpecificationClone: false,
      uiConfig: { urls: views, deepLinking: true, displayOperationId: false, defaultModelsExpandDepth: 0, ...{ 'urls.primaryName': 'Public API' } },
    });
    docs.get('/docs/admin', { schema: { hide: true } }, async (_request, reply) => reply.redirect(`/docs/?urls.primaryName=${encodeURIComponent('Admin API')}`));
    const guide = gettingStartedPage();
    const errors = errorsPage();
    for (const [url, html] of [['/docs/getting-started', guide], ['/docs/errors', errors]] as const) {
      docs.get(url, { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').header('Content-Security-Policy', PAGE_CSP).send(html));
    }
  });

  // The documents: JSON, with the API's headers.
  await app.register(async (json) => {
    json.addHook('onRequest', securityHeaders(securityHeadersFor('api', opts.secure)));
    json.get('/openapi.json', { schema: { hide: true } }, async (request) => serve(documents().all, request));
    for (const view of VIEWS) {
      json.get(view.url, { schema: { hide: true } }, async (request, reply) => {
        const doc = documents()[view.part];
        if (!doc) return reply.callNotFound();
        return serve(doc, request);
      });
    }
  });
}
