import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../http/schemas.js';
import { v1Route } from '../http/docs.js';
import type { SitesService } from './sites.service.js';
import { SiteListQuery, SitePage } from './sites.schemas.js';

/** GET /v1/sites. */
export function sitesRoutes(deps: { sites: SitesService }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const r = v1Route('sites:read', ['Sites'], 'List the sites (centres) of the key’s environment');
    app.get(
      '/sites',
      { ...r, schema: { ...r.schema, querystring: SiteListQuery, response: { 200: SitePage, ...problems(400, 401, 403, 429) } } },
      async (request) => deps.sites.list(request.apiKey.environment.id, request.query),
    );
  };
}
