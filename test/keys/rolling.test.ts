import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Actor } from '../../src/audit/audit.service.js';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { createDeps } from '../../src/deps.js';
import { generateKey, hashKey, keyIdOf } from '../../src/kernel/key-format.js';
import { MAX_PREVIOUS_SECRETS } from '../../src/keys/key-rules.js';
import { buildTestApp, demoEnvId, fixedClock, freshDatabase, type TestApp } from '../helpers.js';

const ACTOR: Actor = { type: 'system', id: null, label: 'test', ip: null };
const HOUR = 3600;

async function me(t: Pick<TestApp, 'app'>, key: string): Promise<string> {
  const r = await t.app.inject({ method: 'GET', url: '/v1/me', headers: { 'x-api-key': key } });
  return r.statusCode === 200 ? 'ok' : (r.json() as { code: string }).code;
}

describe('rolling keeps every replaced secret for its own grace', () => {
  let t: TestApp;
  let envId: string;
  beforeAll(async () => {
    t = await buildTestApp();
    envId = await demoEnvId(t);
  });
  afterAll(async () => t.close());

  async function fresh() {
    const { key, view } = await t.deps.keys.create(envId, { reference: 'Rolled', purpose: 'flow_api', expiresOn: '2027-06-30' }, ACTOR);
    return { id: view.id, k0: key };
  }

  it('roll with 1 h grace, roll again 10 min later with 1 h: both old secrets work, each refused after its own end', async () => {
    t.clock.set('2026-06-15T10:00:00.000Z');
    const { id, k0 } = await fresh();
    const r1 = await t.deps.keys.roll(envId, id, HOUR, ACTOR);
    t.clock.set('2026-06-15T10:10:00.000Z');
    const r2 = await t.deps.keys.roll(envId, id, HOUR, ACTOR);
    expect(r2.view.previousSecretExpiresAt).toBe('2026-06-15T11:10:00.000Z');
    for (const k of [k0, r1.key, r2.key]) expect(await me(t, k)).toBe('ok');

    t.clock.set('2026-06-15T10:59:59.999Z');
    expect(await me(t, k0)).toBe('ok');
    t.clock.set('2026-06-15T11:00:00.000Z'); // the first grace ends
    expect(await me(t, k0)).toBe('key_invalid');
    expect(await me(t, r1.key)).toBe('ok');
    expect(await me(t, r2.key)).toBe('ok');
    t.clock.set('2026-06-15T11:10:00.000Z'); // the second grace ends
    expect(await me(t, r1.key)).toBe('key_invalid');
    expect(await me(t, r2.key)).toBe('ok');
    expect((await t.deps.keys.get(envId, id)).previousSecretExpiresAt).toBeNull();
  });

  it('a leaked-key report with an older secret still in grace ends that secret only', async () => {
    t.clock.set('2026-06-15T10:00:00.000Z');
    const { id, k0 } = await fresh();
    const r1 = await t.deps.keys.roll(envId, id, HOUR, ACTOR);
    const r2 = await t.deps.keys.roll(envId, id, 2 * HOUR, ACTOR);
    for (const k of [k0, r1.key, r2.key]) expect(await me(t, k)).toBe('ok');
    await t.deps.leaked.report([k0], '127.0.0.1');
    expect(await me(t, k0)).toBe('key_invalid');
    expect(await me(t, r1.key)).toBe('ok');
    expect(await me(t, r2.key)).toBe('ok');
    await t.deps.leaked.report([r1.key], '127.0.0.1');
    expect(await me(t, r1.key)).toBe('key_invalid');
    expect(await me(t, r2.key)).toBe('ok');
    const actions = (await t.deps.audit.list({ environmentId: envId, targetId: id })).data.map((e) => e.action);
    expect(actions.filter((a) => a === 'api_key.previous_secret_revoked')).toHaveLength(2);
  });

  it(`keeps at most ${MAX_PREVIOUS_SECRETS} secrets in grace: one more roll with a grace is refused (409), a roll with no grace still works`, async () => {
    t.clock.set('2026-06-15T10:00:00.000Z');
    const { id, k0 } = await fresh();
    const keys = [k0];
    for (let i = 0; i < MAX_PREVIOUS_SECRETS; i++) keys.push((await t.deps.keys.roll(envId, id, HOUR, ACTOR)).key);
    for (const k of keys) expect(await me(t, k)).toBe('ok');
    await expect(t.deps.keys.roll(envId, id, HOUR, ACTOR)).rejects.toMatchObject({ code: 'conflict' });
    const last = await t.deps.keys.roll(envId, id, 0, ACTOR);
    expect(await me(t, keys.at(-1)!)).toBe('key_invalid'); // replaced with no grace
    for (const k of [...keys.slice(0, -1), last.key]) expect(await me(t, k)).toBe('ok');
    // Once graces have ended they no longer count.
    t.clock.set('2026-06-15T11:00:00.000Z');
    expect((await t.deps.keys.roll(envId, id, HOUR, ACTOR)).view.previousSecretExpiresAt).toBe('2026-06-15T12:00:00.000Z');
  });
});

describe('migration 0006 keeps a secret in grace from the single previous-secret columns', () => {
  it('the old previous_key_hash keeps working until its previous_expires_at, then is refused', async () => {
    const db = await freshDatabase();
    const store = openStore({ databaseUrl: db.config.databaseUrl, dataDir: db.dataDir });
    try {
      await migrate(store, { to: '0005-import-runner' });
      const publicId = 'Mig0006abcde';
      const old = generateKey(publicId).key;
      const current = generateKey(publicId).key;
      await sql`insert into environments (id, slug, name, time_zone, active, created_at) values ('env_m', 'demo', 'Demo', 'Europe/London', 1, '2026-01-01T00:00:00.000Z')`.execute(store.db);
      await sql`insert into api_keys (id, environment_id, reference, purpose, key_hash, last4, previous_key_hash, previous_expires_at, expires_on, allowed_ips, allowed_redirect_origins, created_at, updated_at)
        values (${keyIdOf(publicId)}, 'env_m', 'Before 0006', 'flow_api', ${hashKey(current)}, ${current.slice(-4)}, ${hashKey(old)}, '2026-06-15T11:00:00.000Z', '2027-01-31', '[]', '[]', '2026-01-01T00:00:00.000Z', '2026-06-15T10:00:00.000Z')`.execute(store.db);
      const clock = fixedClock('2026-06-15T10:30:00.000Z');
      const deps = await createDeps({ ...loadConfig({}), ...db.config, logLevel: 'silent' }, { clock, store, usageFlushMs: 60_000 });
      const app = await buildApp(deps);
      try {
        expect(await me({ app }, old)).toBe('ok');
        expect(await me({ app }, current)).toBe('ok');
        expect((await deps.keys.get('env_m', keyIdOf(publicId))).previousSecretExpiresAt).toBe('2026-06-15T11:00:00.000Z');
        clock.set('2026-06-15T11:00:00.000Z');
        expect(await me({ app }, old)).toBe('key_invalid');
        expect(await me({ app }, current)).toBe('ok');
      } finally {
        await app.close();
        await deps.close();
      }
    } finally {
      await db.drop();
    }
  });
});
