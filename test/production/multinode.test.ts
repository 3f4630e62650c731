import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers.js';
import { call, clusterSkipReason, createKey, login, redisPrefix, startNode, type Node } from './cluster.js';

const skip = clusterSkipReason();
if (skip) console.warn(`[production/multinode] skipped: ${skip}`);

/** Three real server processes sharing one PostgreSQL database and one Redis (under a prefix of their own). */
describe.skipIf(!!skip)('several nodes sharing PostgreSQL and Redis', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let nodes: Node[] = [];
  let a: string, b: string, c: string;
  let s: { cookie: string; csrf: string };

  beforeAll(async () => {
    db = await freshDatabase();
    const env = { DATABASE_URL: db.config.databaseUrl!, REDIS_URL: process.env.REDIS_URL!, FLOW_REDIS_PREFIX: redisPrefix() };
    // The first node migrates and seeds; the others join the same store.
    nodes.push(await startNode(env));
    nodes.push(...(await Promise.all([startNode(env), startNode(env)])));
    [a, b, c] = nodes.map((n) => n.url);
    s = await login(a);
  }, 90_000);

  afterAll(async () => {
    const codes = await Promise.all(nodes.map((n) => n.stop('SIGTERM')));
    nodes = [];
    await db?.drop();
    expect(codes).toEqual([0, 0, 0]); // graceful shutdown on every node
  }, 60_000);

  it('a key revoked on node A is refused by nodes B and C within a second', async () => {
    const k = await createKey(a, s);
    const auth = { authorization: `Bearer ${k.key}` };
    for (const base of [b, c]) expect((await call(base, 'GET', '/v1/me', { headers: auth })).status).toBe(200); // cached there now
    const revoked = await call(a, 'POST', `/admin/v1/api-keys/${k.id}/revoke`, { headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
    expect(revoked.status, revoked.text).toBe(200);
    const t0 = performance.now();
    expect((await call(a, 'GET', '/v1/me', { headers: auth })).json.code).toBe('key_revoked'); // at once on A
    // Both nodes within one second of the revocation (the time left, not a second each).
    for (const base of [b, c]) {
      const left = Math.max(0, 1000 - (performance.now() - t0));
      await expect.poll(async () => (await call(base, 'GET', '/v1/me', { headers: auth })).json?.code, { timeout: left, interval: 10, message: `refused on ${base} within 1 s` }).toBe('key_revoked');
    }
  });

  it('a leaked-key report on node C revokes the key on A and B too', async () => {
    const k = await createKey(a, s);
    const auth = { 'x-api-key': k.key };
    for (const base of [a, b]) expect((await call(base, 'GET', '/v1/me', { headers: auth })).status).toBe(200);
    expect((await call(c, 'POST', '/v1/keys/revoke-leaked', { body: { keys: [k.key] } })).status).toBe(202);
    const t0 = performance.now();
    for (const base of [a, b]) {
      const left = Math.max(0, 1000 - (performance.now() - t0));
      await expect.poll(async () => (await call(base, 'GET', '/v1/me', { headers: auth })).status, { timeout: left, interval: 10, message: `refused on ${base} within 1 s` }).toBe(401);
    }
  });

  it('rate limits are shared by every node and exact', async () => {
    const limit = 300;
    const k = await createKey(a, s, { rateLimitPerMinute: limit });
    const auth = { authorization: `Bearer ${k.key}` };
    const total = 2 * limit;
    const statuses: number[] = [];
    let next = 0;
    // 24 concurrent callers spread round-robin over the three nodes.
    await Promise.all(
      Array.from({ length: 24 }, async () => {
        while (next < total) {
          const i = next++;
          const r = await call([a, b, c][i % 3], 'GET', '/v1/me', { headers: auth });
          statuses.push(r.status);
          if (r.status === 429) {
            expect(r.json.code).toBe('rate_limited');
            expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
          }
        }
      }),
    );
    const ok = statuses.filter((x) => x === 200).length;
    const limited = statuses.filter((x) => x === 429).length;
    expect(ok + limited).toBe(total);
    expect(Math.abs(ok - limit)).toBeLessThanOrEqual(limit * 0.01);
    console.log(`[production/multinode] shared limit ${limit}/min over 3 nodes: ${ok} allowed, ${limited} limited of ${total}`);
    // Every node reports the same remaining budget: zero.
    for (const base of [a, b, c]) expect((await call(base, 'GET', '/v1/me', { headers: auth })).headers.get('ratelimit-remaining')).toBe('0');
  });

  it('a console session opened on one node is valid on every node, and logging out ends it everywhere', async () => {
    const mine = await login(b);
    for (const base of [a, b, c]) {
      const r = await call(base, 'GET', '/admin/v1/session', { headers: { cookie: mine.cookie } });
      expect(r.status, r.text).toBe(200);
      expect(r.json.staff.email).toBe('ops@cluster.test');
    }
    // A state change with the session's CSRF token on a third node.
    const created = await call(c, 'POST', '/admin/v1/api-keys', {
      headers: { cookie: mine.cookie, 'x-csrf-token': mine.csrf },
      body: { reference: 'From node C', purpose: 'import_members', expiresOn: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10) },
    });
    expect(created.status, created.text).toBe(201);
    expect((await call(a, 'DELETE', '/admin/v1/session', { headers: { cookie: mine.cookie, 'x-csrf-token': mine.csrf } })).status).toBeLessThan(300);
    for (const base of [b, c]) expect((await call(base, 'GET', '/admin/v1/session', { headers: { cookie: mine.cookie } })).status).toBe(401);
  });

  it('every node is ready and exposes its own metrics', async () => {
    for (const base of [a, b, c]) {
      expect((await call(base, 'GET', '/ready')).status).toBe(200);
      const m = await fetch(base + '/metrics');
      expect(m.status).toBe(200);
      expect(await m.text()).toContain('flow_key_verifications_total');
    }
  });
});
