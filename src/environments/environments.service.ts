import { AppError, invalid } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { isTimeZone, type Clock } from '../kernel/time.js';
import type { Environment, EnvironmentsRepository } from './environments.repository.js';

const SLUG = /^[a-z0-9][a-z0-9-]{1,39}$/;

/** Environment rules: slugs are unique, lower-case and URL-safe; time zones are IANA names. */
export function createEnvironmentsService(deps: { repo: EnvironmentsRepository; clock: Clock }) {
  const { repo, clock } = deps;
  return {
    /** Creates an environment; 409 when the slug is taken. */
    async create(input: { slug: string; name: string; timeZone?: string }): Promise<Environment> {
      const errors = [];
      const slug = input.slug.trim();
      const name = input.name.trim();
      const timeZone = input.timeZone ?? 'Europe/London';
      if (!SLUG.test(slug)) errors.push({ path: 'slug', message: 'must be 2–40 characters: lower-case letters, digits and -' });
      if (name.length < 1 || name.length > 100) errors.push({ path: 'name', message: 'must be 1–100 characters' });
      if (!isTimeZone(timeZone)) errors.push({ path: 'timeZone', message: 'must be an IANA time zone such as Europe/London' });
      if (errors.length) throw invalid(errors);
      if (await repo.findBySlug(slug)) throw new AppError('conflict', `An environment with slug "${slug}" already exists.`);
      const env: Environment = { id: newId('env'), slug, name, timeZone, active: true, createdAt: clock.now().toISOString() };
      await repo.insert(env);
      return env;
    },
    list: () => repo.list(),
    /** The environment with this slug; 404 when there is none. */
    async get(slug: string): Promise<Environment> {
      const env = await repo.findBySlug(slug);
      if (!env) throw new AppError('not_found', `No environment with slug "${slug}".`);
      return env;
    },
    findById: (id: string) => repo.findById(id),
    count: () => repo.count(),
  };
}
export type EnvironmentsService = ReturnType<typeof createEnvironmentsService>;
