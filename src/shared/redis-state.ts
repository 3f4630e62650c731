import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { AppError } from '../kernel/errors.js';
import { createRedisAttemptLog } from './attempt-log.js';
import { RESYNC, type RateLimitResult, type SharedState } from './shared-state.js';

// Atomic fixed window: count, set the expiry on the first hit, return count and remaining ms.
// The window starts at a bucket's first hit and Redis is its only clock, so nodes with skewed
// clocks still share one exact count.
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;
// The same window read without counting: the count so far (0 before the first hit) and its remaining ms.
const PEEK = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

/** Messages that could not be published while Redis was away, re-sent when it returns (bounded). */
const MAX_PENDING = 10_000;

type HitClient = Redis & { flowHit(key: string, windowMs: number): Promise<[number, number]>; flowPeek(key: string, windowMs: number): Promise<[number, number]> };

/** Options of the Redis-backed state. */
interface RedisStateOptions {
  /** Prefix of every key and channel (default `flow:`), so deployments or test runs can share a Redis. */
  prefix?: string;
  /** Per-command timeout: a hung Redis turns into a quick 503, not a hung request. */
  commandTimeoutMs?: number;
}

/**
 * SharedState over Redis: counters shared by every node, broadcasts through pub/sub.
 * Fails fast (503 `unavailable`) while Redis is down and recovers by itself when it returns:
 * commands are never queued offline, reconnection is retried every second at most, and after a
 * reconnection every subscriber gets `RESYNC` because messages may have been missed meanwhile.
 * Counting also fails while the subscriber is away, so no node serves from a cache it cannot keep fresh.
 */
export async function createRedisState(url: string, logger: Logger, opts: RedisStateOptions = {}): Promise<SharedState> {
  const prefix = opts.prefix ?? 'flow:';
  const options: RedisOptions = {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    commandTimeout: opts.commandTimeoutMs ?? 1000,
    lazyConnect: true,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  };
  // Auto-pipelining sends the commands of one event-loop tick in one write: under concurrency the
  // per-request counting costs a fraction of a round trip each instead of a syscall pair each.
  const client = new Redis(url, { ...options, enableAutoPipelining: true }) as HitClient;
  client.defineCommand('flowHit', { numberOfKeys: 1, lua: HIT });
  client.defineCommand('flowPeek', { numberOfKeys: 1, lua: PEEK });
  const attempts = createRedisAttemptLog(client, prefix);
  // The subscriber queues (re)subscriptions while offline; it never carries request-path commands.
  const sub = new Redis(url, { ...options, enableOfflineQueue: true, commandTimeout: undefined });
  const handlers = new Map<string, Array<(m: string) => void>>();
  const pending: Array<[string, string]> = [];
  let down = false;

  for (const [name, c] of [['client', client], ['subscriber', sub]] as const) {
    c.on('error', (err: Error) => {
      if (!down) logger.warn({ err: err.message, connection: name }, 'redis connection error');
      down = true;
    });
  }
  await Promise.all([client.connect(), sub.connect()]);

  // While the subscriber is away this node cannot hear invalidations, so it must not serve from its
  // caches: hit() fails (503) until the subscriber is back and every subscriber has been told to resync.
  let subLive = sub.status === 'ready';
  sub.on('close', () => {
    subLive = false;
  });
  sub.on('ready', () => {
    if (!subLive) {
      logger.info('redis subscriber (re)connected; dropping local caches');
      for (const list of handlers.values()) for (const h of list) h(RESYNC);
    }
    subLive = true;
  });
  client.on('ready', () => {
    if (down) logger.info('redis reachable again');
    down = false;
    const again = pending.splice(0);
    for (const [channel, message] of again) void client.publish(channel, message).catch(() => remember(channel, message));
  });

  sub.on('message', (channel: string, message: string) => {
    const list = handlers.get(channel.slice(prefix.length));
    if (list) for (const h of list) h(message);
  });

  function remember(channel: string, message: string): void {
    if (pending.length < MAX_PENDING) pending.push([channel, message]);
  }

  function unavailable(): AppError {
    return new AppError('unavailable', 'A shared service is unavailable. Try again shortly.', undefined, { 'Retry-After': '1' });
  }

  return {
    async hit(bucket, limit, windowMs): Promise<RateLimitResult> {
      if (!subLive) throw unavailable();
      let n: number;
      let ttl: number;
      try {
        [n, ttl] = await client.flowHit(`${prefix}rl:${bucket}`, windowMs);
      } catch {
        throw unavailable();
      }
      return { allowed: n <= limit, limit, remaining: Math.max(0, limit - n), resetSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
    },
    async peek(bucket, limit, windowMs): Promise<RateLimitResult> {
      if (!subLive) throw unavailable();
      let n: number;
      let ttl: number;
      try {
        [n, ttl] = await client.flowPeek(`${prefix}rl:${bucket}`, windowMs);
      } catch {
        throw unavailable();
      }
      return { allowed: n < limit, limit, remaining: Math.max(0, limit - n), resetSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
    },
    async reserve(slots, windowMs, nowMs) {
      try {
        return await attempts.reserve(slots, windowMs, nowMs);
      } catch {
        throw unavailable();
      }
    },
    async publish(channel, message) {
      // Local handlers run at once even if Redis is slow; other nodes hear it through pub/sub.
      const list = handlers.get(channel);
      if (list) for (const h of list) h(message);
      try {
        await client.publish(prefix + channel, message);
      } catch (err) {
        // The change itself is committed; do not fail the caller. Re-send when Redis returns, and every
        // node drops its caches when its subscriber reconnects, so nothing stale survives the outage.
        remember(prefix + channel, message);
        logger.warn({ err: (err as Error).message, channel }, 'redis publish failed; will re-send when reconnected');
      }
    },
    subscribe(channel, handler) {
      if (!handlers.has(channel)) {
        handlers.set(channel, []);
        void sub.subscribe(prefix + channel).catch((err: Error) => logger.error({ err: err.message }, 'redis subscribe failed'));
      }
      handlers.get(channel)!.push(handler);
    },
    async ping() {
      if (!subLive) return false;
      try {
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      await Promise.all([client.quit().catch(() => undefined), sub.quit().catch(() => undefined)]);
      client.disconnect();
      sub.disconnect();
    },
  };
}
