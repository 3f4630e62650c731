import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A bucket to take a slot in, with its own limit per window. */
interface Slot {
  bucket: string;
  limit: number;
}

/** The answer of `reserve`: a slot held in every bucket (give it back with `release`), or when to retry. */
type Reservation = { allowed: true; release(): Promise<void> } | { allowed: false; retryAfterSeconds: number };

/**
 * Sliding-window attempt log for guards that must hold under concurrency (sign-in): `reserve` counts the
 * attempt BEFORE the guarded work runs, in one atomic step over every bucket — either a slot is taken in
 * each of them or in none — so a burst cannot slip past a count read before any of it was recorded.
 * At most `limit` reservations per bucket lie in any `windowMs` span (a log of instants, not a fixed
 * window that a burst at its edge could double). `nowMs` is the caller's clock.
 */
export interface AttemptLog {
  reserve(slots: Slot[], windowMs: number, nowMs: number): Promise<Reservation>;
}

const retryAfter = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** The in-process log: one array of instants per bucket (at most `limit` long), swept once a minute. */
export function createMemoryAttemptLog(): AttemptLog & { clear(): void } {
  const logs = new Map<string, { windowMs: number; entries: Array<{ at: number; id: number }> }>();
  let seq = 0;
  let sweepAt = 0;

  function sweep(now: number): void {
    if (now < sweepAt) return;
    sweepAt = now + 60_000;
    for (const [k, l] of logs) if (l.entries.every((e) => e.at <= now - l.windowMs)) logs.delete(k);
  }

  return {
    // Synchronous from the read to the write, so it is atomic on the one event loop.
    async reserve(slots, windowMs, now) {
      sweep(now);
      let wait = 0;
      for (const s of slots) {
        const l = logs.get(s.bucket);
        if (!l) continue;
        l.entries = l.entries.filter((e) => e.at > now - windowMs);
        if (l.entries.length >= s.limit) wait = Math.max(wait, Math.min(...l.entries.map((e) => e.at)) + windowMs - now, 1);
      }
      if (wait > 0) return { allowed: false, retryAfterSeconds: retryAfter(wait) };
      const id = ++seq;
      for (const s of slots) {
        const l = logs.get(s.bucket) ?? { windowMs, entries: [] };
        l.windowMs = windowMs;
        l.entries.push({ at: now, id });
        logs.set(s.bucket, l);
      }
      return {
        allowed: true,
        async release() {
          for (const s of slots) {
            const l = logs.get(s.bucket);
            if (l) l.entries = l.entries.filter((e) => e.id !== id);
          }
        },
      };
    },
    clear: () => logs.clear(),
  };
}

// One sorted set per bucket (score = instant). Drops instants older than the window, refuses when any
// bucket is full (answering the ms until its oldest instant leaves), else adds the member to every bucket.
// KEYS: the buckets; ARGV: now, windowMs, member, then one limit per key.
const RESERVE = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local wait = 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= tonumber(ARGV[3 + i]) then
    local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local oldest = first[2] and tonumber(first[2]) or now
    wait = math.max(wait, oldest + window - now, 1)
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, window)
end
return 0`;

type ReserveClient = Redis & { flowReserve(numKeys: number, ...args: Array<string | number>): Promise<number> };

/**
 * The log shared by every node through Redis: one Lua script, so the check and the take are one atomic
 * step across nodes. Instants come from the caller's clock: a skewed node shifts when its own attempts
 * age out by the skew, never the count. Keys live under `<prefix>tries:` (apart from `hit`'s counters).
 */
export function createRedisAttemptLog(client: Redis, prefix: string): AttemptLog {
  const c = client as ReserveClient;
  c.defineCommand('flowReserve', { lua: RESERVE });
  const key = (bucket: string) => `${prefix}tries:${bucket}`;
  return {
    async reserve(slots, windowMs, now) {
      const keys = slots.map((s) => key(s.bucket));
      const member = `${now}:${randomBytes(8).toString('hex')}`;
      const wait = await c.flowReserve(keys.length, ...keys, now, windowMs, member, ...slots.map((s) => s.limit));
      if (wait > 0) return { allowed: false, retryAfterSeconds: retryAfter(wait) };
      return {
        allowed: true,
        // Best effort: if Redis is away now, the slot stays taken until it ages out (the safe side).
        async release() {
          await Promise.all(keys.map((k) => c.zrem(k, member))).catch(() => undefined);
        },
      };
    },
  };
}
