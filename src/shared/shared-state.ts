import { createMemoryAttemptLog, type AttemptLog } from './attempt-log.js';

/** Result of counting one request against a fixed-window limit. */
export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/**
 * State shared between server nodes: rate-limit counters and a broadcast channel.
 * In-process by default; Redis-backed when REDIS_URL is set.
 */
export interface SharedState {
  /**
   * Counts one hit on `bucket` and says whether it is within `limit` per `windowMs`. The in-process state
   * answers synchronously (this runs on every /v1 request); a shared backend answers with a promise.
   */
  hit(bucket: string, limit: number, windowMs: number): RateLimitResult | Promise<RateLimitResult>;
  /** The state of `bucket` without counting a hit (what a call refused before the limit reports); sync in-process. */
  peek(bucket: string, limit: number, windowMs: number): RateLimitResult | Promise<RateLimitResult>;
  /** Atomically takes a slot in every bucket of a sliding window, or none (see attempt-log.ts). */
  reserve: AttemptLog['reserve'];
  /** Sends a message to every node, this one included. */
  publish(channel: string, message: string): Promise<void>;
  /** Receives every message on a channel (and `RESYNC` after a gap in delivery). */
  subscribe(channel: string, handler: (message: string) => void): void;
  /** True when the shared backend answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Delivered to every subscriber after a gap in delivery (the shared backend reconnected): messages may
 * have been missed, so anything cached on the strength of "no message means no change" must be dropped.
 */
export const RESYNC = '*';

interface Window {
  count: number;
  resetAt: number;
}

/** The single-node SharedState: fixed windows in a Map, broadcasts delivered synchronously. */
export function createMemoryState(now: () => number = Date.now): SharedState {
  const windows = new Map<string, Window>();
  const handlers = new Map<string, Array<(m: string) => void>>();
  const attempts = createMemoryAttemptLog();
  let sweepAt = 0;

  function current(bucket: string, windowMs: number, t: number): Window {
    let w = windows.get(bucket);
    if (!w || w.resetAt <= t) {
      w = { count: 0, resetAt: Math.floor(t / windowMs) * windowMs + windowMs };
      windows.set(bucket, w);
    }
    return w;
  }

  function sweep(t: number): void {
    if (t < sweepAt) return;
    sweepAt = t + 60_000;
    for (const [k, w] of windows) if (w.resetAt <= t) windows.delete(k);
  }

  return {
    hit(bucket, limit, windowMs) {
      const t = now();
      sweep(t);
      const w = current(bucket, windowMs, t);
      w.count++;
      return {
        allowed: w.count <= limit,
        limit,
        remaining: Math.max(0, limit - w.count),
        resetSeconds: Math.max(1, Math.ceil((w.resetAt - t) / 1000)),
      };
    },
    peek(bucket, limit, windowMs) {
      const t = now();
      const w = windows.get(bucket);
      const live = w && w.resetAt > t ? w : undefined;
      const count = live?.count ?? 0;
      const resetAt = live?.resetAt ?? Math.floor(t / windowMs) * windowMs + windowMs;
      return { allowed: count < limit, limit, remaining: Math.max(0, limit - count), resetSeconds: Math.max(1, Math.ceil((resetAt - t) / 1000)) };
    },
    reserve: attempts.reserve,
    async publish(channel, message) {
      for (const h of handlers.get(channel) ?? []) h(message);
    },
    subscribe(channel, handler) {
      handlers.set(channel, [...(handlers.get(channel) ?? []), handler]);
    },
    async ping() {
      return true;
    },
    async close() {
      windows.clear();
      attempts.clear();
    },
  };
}
