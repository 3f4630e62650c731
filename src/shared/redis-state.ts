import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { SharedState } from './shared-state.js';

// Atomic fixed window: count, set the expiry on the first hit, return count and remaining ms.
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

/** SharedState over Redis: counters shared by every node, broadcasts through pub/sub. Fails fast when Redis is down. */
export async function createRedisState(url: string, logger: Logger): Promise<SharedState> {
  const options = { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, commandTimeout: 1000, lazyConnect: true };
  const client = new Redis(url, options);
  const sub = new Redis(url, { ...options, enableOfflineQueue: true, commandTimeout: undefined });
  const handlers = new Map<string, Array<(m: string) => void>>();
  for (const c of [client, sub]) c.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  await Promise.all([client.connect(), sub.connect()]);
  sub.on('message', (channel: string, message: string) => {
    for (const h of handlers.get(channel) ?? []) h(message);
  });

  async function run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch {
      throw new AppError('unavailable', 'A shared service is unavailable. Try again shortly.', undefined, { 'Retry-After': '1' });
    }
  }

  return {
    async hit(bucket, limit, windowMs) {
      const [n, ttl] = (await run(() => client.eval(HIT, 1, `rl:${bucket}`, windowMs))) as [number, number];
      return { allowed: n <= limit, limit, remaining: Math.max(0, limit - n), resetSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
    },
    async peek(bucket) {
      return Number((await run(() => client.get(`rl:${bucket}`))) ?? 0);
    },
    async reset(bucket) {
      await run(() => client.del(`rl:${bucket}`));
    },
    async publish(channel, message) {
      // Local handlers run at once even if Redis is slow; other nodes hear it through pub/sub.
      for (const h of handlers.get(channel) ?? []) h(message);
      await run(() => client.publish(channel, message));
    },
    subscribe(channel, handler) {
      if (!handlers.has(channel)) void sub.subscribe(channel).catch((err) => logger.error({ err: err.message }, 'redis subscribe failed'));
      handlers.set(channel, [...(handlers.get(channel) ?? []), handler]);
    },
    async ping() {
      try {
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      client.disconnect();
      sub.disconnect();
    },
  };
}
