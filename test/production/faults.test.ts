import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freshDatabase } from '../helpers.js';
import { type Json, call, clusterSkipReason, createKey, login, redisPrefix, sleep, startNode, startRedis, tcpProxy, type Node } from './cluster.js';

const skip = clusterSkipReason({ redisServer: true });
if (skip) console.warn(`[production/faults] skipped: ${skip}`);

/** A problem+json 503 that says nothing about internals. */
function expectUnavailable(r: { status: number; headers: Headers; json: Json; text: string }) {
  expect(r.status, r.text).toBe(503);
  expect(r.headers.get('content-type')).toContain('application/problem+json');
  expect(r.json.code).toBe('unavailable');
  expect(r.text).not.toMatch(/ECONN|redis|postgres|stack|at \w+ \(/i);
}

/** The first answer of `fn` that is `ok`, polled every 100 ms for `ms` (a refused connection counts as "not yet"). */
function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  return vi.waitFor(
    async () => {
      const v = await fn();
      if (!ok(v)) throw new Error(`still waiting for ${what}; last: ${JSON.stringify(v)}`);
      return v;
    },
    { timeout: ms, interval: 100 },
  );
}

/**
 * Two nodes whose Redis (a throwaway redis-server) and PostgreSQL (through a TCP proxy to the local
 * server) are taken away mid-load and given back. The machine's own PostgreSQL and Redis are untouched.
 */
describe.skipIf(!!skip)('Redis or PostgreSQL lost mid-load', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let proxy: Awaited<ReturnType<typeof tcpProxy>>;
  let nodes: Node[] = [];
  let a: string, b: string;
  let s: { cookie: string; csrf: string };
  let warm: { id: string; key: string };
  // Background load on both nodes for the whole file: every answer is recorded.
  const seen: Array<{ status: number; ms: number; text: string }> = [];
  let loading = true;
  let load: Promise<void>;

  beforeAll(async () => {
    db = await freshDatabase();
    redis = await startRedis();
    const real = new URL(db.config.databaseUrl!);
    proxy = await tcpProxy(Number(real.port || 5432), real.hostname);
    const viaProxy = new URL(real);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const env = { DATABASE_URL: viaProxy.toString(), REDIS_URL: redis.url, FLOW_REDIS_PREFIX: redisPrefix() };
    nodes.push(await startNode(env));
    nodes.push(await startNode(env));
    [a, b] = nodes.map((n) => n.url);
    s = await login(a);
    warm = await createKey(a, s);
    // Four callers, alternating between the nodes.
    load = Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        let i = w;
        while (loading) {
          const r = await call([a, b][i++ % 2], 'GET', '/v1/me', { headers: { authorization: `Bearer ${warm.key}` }, timeoutMs: 10_000 }).catch((e: Error) => ({
            status: -1,
            ms: 10_000,
            text: e.message,
          }));
          seen.push({ status: r.status, ms: r.ms, text: r.text });
          await sleep(5);
        }
      }),
    ).then(() => undefined);
  }, 90_000);

  afterAll(async () => {
    loading = false;
    await load;
    const codes = await Promise.all(nodes.map((n) => n.stop('SIGTERM')));
    nodes = [];
    await proxy?.close();
    await redis?.stop();
    await db?.drop();
    expect(codes).toEqual([0, 0]);
  }, 60_000);

  it('Redis stops: /ready fails, /v1 answers 503 problem+json at once, and service comes back by itself', async () => {
    const other = await createKey(a, s);
    const auth = { authorization: `Bearer ${other.key}` };
    expect((await call(b, 'GET', '/v1/me', { headers: auth })).status).toBe(200); // node B caches it
    await redis.stop();
    for (const base of [a, b]) {
      const ready = await until('/ready to fail', () => call(base, 'GET', '/ready'), (r) => r.status === 503, 5000);
      expect(ready.json.code).toBe('unavailable');
      const r = await call(base, 'GET', '/v1/me', { headers: auth });
      expectUnavailable(r);
      expect(r.ms).toBeLessThan(3000); // fails fast, never hangs
    }
    // A revocation made during the outage is committed (the store is fine) ...
    const revoked = await call(a, 'POST', `/admin/v1/api-keys/${other.id}/revoke`, { headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
    expect(revoked.status, revoked.text).toBe(200);
    // ... and node B, which missed the broadcast, never serves the key from its cache meanwhile.
    expectUnavailable(await call(b, 'GET', '/v1/me', { headers: auth }));
    // Let the background load meet the outage too.
    const during = seen.length;
    await expect.poll(() => seen.slice(during).some((r) => r.status === 503), { timeout: 5000 }).toBe(true);
    await redis.start();
    for (const base of [a, b]) {
      await until('recovery', () => call(base, 'GET', '/v1/me', { headers: { authorization: `Bearer ${warm.key}` } }), (r) => r.status === 200);
      expect((await call(base, 'GET', '/ready')).status).toBe(200);
    }
    // Node B dropped its caches when its subscriber reconnected: the key revoked meanwhile is refused.
    expect((await call(b, 'GET', '/v1/me', { headers: auth })).json.code).toBe('key_revoked');
  }, 60_000);

  it('PostgreSQL stops: /ready fails, store-bound requests answer 503 problem+json quickly, and service comes back by itself', async () => {
    const cold = await createKey(a, s); // never used: verifying it needs the store
    await proxy.cut();
    for (const base of [a, b]) {
      const ready = await until('/ready to fail', () => call(base, 'GET', '/ready'), (r) => r.status === 503, 10_000);
      expect(ready.json.code).toBe('unavailable');
      const session = await call(base, 'GET', '/admin/v1/session', { headers: { cookie: s.cookie } });
      expectUnavailable(session);
      expect(session.ms).toBeLessThan(5000);
      const verify = await call(base, 'GET', '/v1/me', { headers: { 'x-api-key': cold.key } });
      expectUnavailable(verify);
      expect(verify.ms).toBeLessThan(5000);
    }
    await proxy.restore();
    for (const base of [a, b]) {
      await until('/ready', () => call(base, 'GET', '/ready'), (r) => r.status === 200);
      expect((await call(base, 'GET', '/admin/v1/session', { headers: { cookie: s.cookie } })).status).toBe(200);
      expect((await call(base, 'GET', '/v1/me', { headers: { 'x-api-key': cold.key } })).status).toBe(200);
    }
  }, 60_000);

  it('under load throughout: no 500, no hang, only 200 or 503 problem+json', () => {
    expect(seen.length).toBeGreaterThan(20);
    const statuses = new Set(seen.map((r) => r.status));
    expect([...statuses].every((x) => x === 200 || x === 503), JSON.stringify([...statuses])).toBe(true);
    expect(statuses.has(503)).toBe(true); // the load did meet the Redis outage
    for (const r of seen.filter((x) => x.status === 503)) expect(r.text).not.toMatch(/ECONN|redis|postgres|stack/i);
    expect(Math.max(...seen.map((r) => r.ms))).toBeLessThan(5000);
    console.log(`[production/faults] background load: ${seen.length} requests, ${seen.filter((r) => r.status === 503).length} × 503 during outages, slowest ${Math.round(Math.max(...seen.map((r) => r.ms)))} ms`);
  });
});
