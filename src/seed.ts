import { randomBytes } from 'node:crypto';
import type { Deps } from './deps.js';
import type { Environment } from './environments/environments.repository.js';
import { seedPublicApi } from './public-api/demo-seed.js';

/** Adds a capability's demo data to the new demo environment. */
type Seeder = (deps: Deps, env: Environment) => Promise<void>;

/** Demo data of each capability, run once on the first start. */
const SEEDERS: Seeder[] = [seedPublicApi];

/** The first-start admin login, returned once so the server can print it. */
interface FirstLogin {
  email: string;
  password: string;
  generated: boolean;
}

/** On an empty store: creates the `demo` environment and an admin; returns the login to print once. */
export async function seedIfEmpty(deps: Deps): Promise<FirstLogin | undefined> {
  if ((await deps.environments.count()) > 0) return undefined;
  const env = await deps.environments.create({ slug: 'demo', name: 'Demo Leisure Centre', timeZone: 'Europe/London' });
  const email = deps.config.adminEmail ?? 'admin@demo.flow.local';
  const generated = deps.config.adminPassword === undefined;
  const password = deps.config.adminPassword ?? randomBytes(12).toString('base64url');
  await deps.staff.create({ environmentId: env.id, email, name: 'Demo Admin', role: 'admin', password });
  for (const seed of SEEDERS) await seed(deps, env);
  return { email, password, generated };
}
