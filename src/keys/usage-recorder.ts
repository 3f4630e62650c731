import { nowMs, type Clock } from '../kernel/time.js';
import type { KeysRepository } from './keys.repository.js';

const DAY_MS = 86_400_000;

/** Counts of one key on one day: outcome → requests, and the latest successful use (ms). */
interface KeyDay {
  outcomes: Map<string, number>;
  lastUsedMs: number;
}

/** Everything counted since the last flush, by UTC day, then key id. */
type Pending = Map<string, Map<string, KeyDay>>;

/**
 * Counts key usage in memory and writes it in batches, off the request path:
 * per (key, UTC day, outcome) counts and each key's latest use.
 */
export function createUsageRecorder(deps: { repo: Pick<KeysRepository, 'addUsage'>; clock: Clock }) {
  const { repo, clock } = deps;
  let pending: Pending = new Map();
  let dayStart = -1;
  let today: Map<string, KeyDay> = new Map();
  let flushing: Promise<void> = Promise.resolve();

  function dayOf(ms: number): Map<string, KeyDay> {
    // The day's map is looked up only when the UTC day changes: record() runs on every /v1 request.
    if (ms < dayStart || ms >= dayStart + DAY_MS) {
      dayStart = ms - (ms % DAY_MS);
      const day = new Date(dayStart).toISOString().slice(0, 10);
      today = pending.get(day) ?? new Map();
      pending.set(day, today);
    }
    return today;
  }

  function add(into: Pending, day: string, keyId: string, outcome: string, n: number, lastUsedMs: number): void {
    let keys = into.get(day);
    if (!keys) into.set(day, (keys = new Map()));
    let kd = keys.get(keyId);
    if (!kd) keys.set(keyId, (kd = { outcomes: new Map(), lastUsedMs: 0 }));
    if (n > 0) kd.outcomes.set(outcome, (kd.outcomes.get(outcome) ?? 0) + n);
    if (lastUsedMs > kd.lastUsedMs) kd.lastUsedMs = lastUsedMs;
  }

  async function write(batch: Pending): Promise<void> {
    const counts: Array<{ keyId: string; day: string; outcome: string; count: number }> = [];
    const lastUsed = new Map<string, number>();
    for (const [day, keys] of batch) {
      for (const [keyId, kd] of keys) {
        for (const [outcome, count] of kd.outcomes) counts.push({ keyId, day, outcome, count });
        if (kd.lastUsedMs > (lastUsed.get(keyId) ?? 0)) lastUsed.set(keyId, kd.lastUsedMs);
      }
    }
    if (counts.length === 0 && lastUsed.size === 0) return;
    try {
      await repo.addUsage(counts, [...lastUsed].map(([keyId, at]) => ({ keyId, at: new Date(at).toISOString() })));
    } catch (err) {
      // Keep the counts for the next flush rather than lose them during a store outage.
      for (const [day, keys] of batch) for (const [keyId, kd] of keys) {
        for (const [outcome, n] of kd.outcomes) add(pending, day, keyId, outcome, n, 0);
        add(pending, day, keyId, 'ok', 0, kd.lastUsedMs);
      }
      dayStart = -1;
      throw err;
    }
  }

  return {
    /** Counts one request of a key with its outcome (`ok` or an error code). */
    record(keyId: string, outcome: string): void {
      const ms = nowMs(clock);
      const keys = dayOf(ms);
      let kd = keys.get(keyId);
      if (!kd) keys.set(keyId, (kd = { outcomes: new Map(), lastUsedMs: 0 }));
      kd.outcomes.set(outcome, (kd.outcomes.get(outcome) ?? 0) + 1);
      if (outcome === 'ok' && ms > kd.lastUsedMs) kd.lastUsedMs = ms;
    },
    /** Writes what has been counted so far (the scheduler calls it; a failed write keeps the counts and rejects). */
    flush(): Promise<void> {
      const batch = pending;
      pending = new Map();
      dayStart = -1;
      flushing = flushing.catch(() => undefined).then(() => write(batch));
      return flushing;
    },
  };
}
export type UsageRecorder = ReturnType<typeof createUsageRecorder>;
