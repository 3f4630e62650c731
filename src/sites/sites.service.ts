import type { Clock } from '../kernel/time.js';
import { newId } from '../kernel/ids.js';
import { decodeCursor, pageOf } from '../kernel/paging.js';
import type { Site, SitesRepository } from './sites.repository.js';
import type { SiteView } from './sites.schemas.js';

/** The API view of a site. */
function siteView(s: Site): SiteView {
  return {
    id: s.id,
    code: s.code,
    name: s.name,
    address: { line1: s.addressLine1, town: s.town, postcode: s.postcode },
    phone: s.phone,
    active: s.active,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

/** Sites of an environment. */
export function createSitesService(deps: { repo: SitesRepository; clock: Clock }) {
  const { repo, clock } = deps;
  return {
    /** One page of the environment's sites, oldest first. */
    async list(environmentId: string, q: { limit?: number; cursor?: string }) {
      const limit = q.limit ?? 25;
      const after = decodeCursor(q.cursor, { c: 'string', i: 'string' });
      const rows = await repo.list(environmentId, { limit, after: after && { createdAt: String(after.c), id: String(after.i) } });
      const page = pageOf(rows, limit, (s) => ({ c: s.createdAt, i: s.id }));
      return { data: page.data.map(siteView), nextCursor: page.nextCursor };
    },
    /** A site of the environment, or undefined (another environment's site does not exist here). */
    find: (id: string, environmentId: string) => repo.find(id, environmentId),
    /** Creates a site (seed data, tests). */
    async create(environmentId: string, input: { code: string; name: string; addressLine1?: string; town?: string; postcode?: string; phone?: string }, id = newId('site')): Promise<Site> {
      const now = clock.now().toISOString();
      const site: Site = {
        id,
        environmentId,
        code: input.code,
        name: input.name,
        addressLine1: input.addressLine1 ?? null,
        town: input.town ?? null,
        postcode: input.postcode ?? null,
        phone: input.phone ?? null,
        active: true,
        createdAt: now,
        updatedAt: now,
      };
      await repo.insert(site);
      return site;
    },
  };
}
export type SitesService = ReturnType<typeof createSitesService>;
