import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/kernel/errors.js';
import { createRedisState } from '../../src/shared/redis-state.js';
import { RESYNC, type SharedState } from '../../src/shared/shared-state.js';
import { redisPrefix, sleep, startRedis } from '../production/cluster.js';
import { spawnSync } from 'node:child_process';

const REDIS_URL = process.env.REDIS_URL;
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
if (!REDIS_URL) console.warn('[shared/redis-state] skipped: set REDIS_URL to run the Redis shared-state tests');
const quiet = pino({ level: 'silent' });

describe.skipIf(!REDIS_URL)('Redis shared state', () => {
  const states: SharedState[] = [];
  const open = async (url = REDIS_URL!, prefix = redisPrefix()) => {
    const s = await createRedisState(url, quiet, { prefix });
    states.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(states.map((s) => s.close()));
  });

  it('counts exactly across instances (one fixed window shared by every node)', async () => {
    const prefix = redisPrefix();
    const [a, b, c] = await Promise.all([open(REDIS_URL, prefix), open(REDIS_URL, prefix), open(REDIS_URL, prefix)]);
    const results = await Promise.all(Array.from({ length: 900 }, (_, i) => [a, b, c][i % 3].hit('k', 500, 60_000)));
    expect(results.filter((r) => r.allowed)).toHaveLength(500);
    expect(Math.min(...results.map((r) => r.remaining))).toBe(0);
    // The 901st hit, on any node, is still over the shared limit.
    expect(await c.hit('k', 500, 60_000)).toMatchObject({ allowed: false, remaining: 0 });
  });

  it('peek reports a bucket shared by every node without counting a hit', async () => {
    const prefix = redisPrefix();
    const [a, b] = await Promise.all([open(REDIS_URL, prefix), open(REDIS_URL, prefix)]);
    expect(await a.peek('p', 10, 60_000)).toMatchObject({ allowed: true, limit: 10, remaining: 10, resetSeconds: 60 });
    for (let i = 0; i < 3; i++) await a.hit('p', 10, 60_000);
    for (let i = 0; i < 5; i++) expect(await b.peek('p', 10, 60_000)).toMatchObject({ allowed: true, remaining: 7 });
    expect(await b.hit('p', 10, 60_000)).toMatchObject({ remaining: 6 });
  });

  it('keeps deployments (or test runs) with different prefixes apart: counters and broadcasts', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    for (let i = 0; i < 3; i++) await a.hit('same-bucket', 10, 60_000);
    expect(await b.hit('same-bucket', 10, 60_000)).toMatchObject({ allowed: true, remaining: 9 });
    const heard: string[] = [];
    b.subscribe('chan', (m) => heard.push(m));
    a.subscribe('chan', () => undefined);
    await sleep(50);
    await a.publish('chan', 'for a only');
    await sleep(100);
    expect(heard).toEqual([]);
  });

  it('broadcasts reach every instance sharing a prefix, the sender included', async () => {
    const prefix = redisPrefix();
    const [a, b] = await Promise.all([open(REDIS_URL, prefix), open(REDIS_URL, prefix)]);
    const heardA: string[] = [];
    const heardB: string[] = [];
    a.subscribe('c', (m) => heardA.push(m));
    b.subscribe('c', (m) => heardB.push(m));
    await sleep(50);
    await a.publish('c', 'hello');
    await expect.poll(() => heardB.length, { timeout: 10_000 }).toBe(1);
    expect(heardB).toEqual(['hello']);
    expect(heardA[0]).toBe('hello');
  });

  it.skipIf(!hasRedisServer)('fails fast while Redis is down, then recovers by itself and tells subscribers to resync', async () => {
    const redis = await startRedis();
    try {
      const prefix = redisPrefix();
      const [a, b] = await Promise.all([open(redis.url, prefix), open(redis.url, prefix)]);
      const heardB: string[] = [];
      b.subscribe('inv', (m) => heardB.push(m));
      await sleep(50);
      await redis.stop();
      const started = Date.now();
      await expect(a.hit('x', 10, 60_000)).rejects.toSatisfy((e: unknown) => e instanceof AppError && e.code === 'unavailable');
      expect(Date.now() - started).toBeLessThan(1500);
      expect(await a.ping()).toBe(false);
      // A broadcast while Redis is away does not fail its caller (the change is committed elsewhere) ...
      await expect(a.publish('inv', 'key_1')).resolves.toBeUndefined();
      await redis.start();
      await expect.poll(async () => (await a.ping()) && (await b.ping()), { timeout: 10_000 }).toBe(true);
      expect((await a.hit('x', 10, 60_000)).allowed).toBe(true);
      // ... and after the outage b is told to drop its caches: the message it missed cannot be relied on
      // (it is re-sent when the publisher reconnects, but b's subscription may come back later than that).
      await expect.poll(() => heardB.includes(RESYNC), { timeout: 10_000 }).toBe(true);
      // Shutting down while Redis is away does not hang.
      const c = await createRedisState(redis.url, quiet, { prefix });
      c.subscribe('inv', () => undefined);
      await redis.stop();
      const closing = Date.now();
      await c.close();
      expect(Date.now() - closing).toBeLessThan(1000);
    } finally {
      await redis.stop();
    }
  }, 30_000);
});
