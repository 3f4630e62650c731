import type { Clock } from '../time.js';

const DAY_MS = 86_400_000;
import type { KeysRepository } from './keys.repository.js';

/**
 * Counts key usage in memory and writes it in batches, off the request path:
 * per (key, UTC day, outcome) counts and each key's latest use.
 */
export function createUsageRecorder(deps: { repo: Pick<KeysRepository, 'addUsage'>; clock: Clock; flushMs: number; onError: (err: unknown) => void }) {
  const { repo, clock, flushMs, onError } = deps;
  let counts = new Map<string, number>();
  let lastUsed = new Map<string, number>();
  let dayStart = -1;
  let day = '';
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  async function write(c: Map<string, number>, l: Map<string, number>): Promise<void> {
    if (c.size === 0 && l.size === 0) return;
    const rows = [...c].map(([k, count]) => {
      const [keyId, day, outcome] = k.split('|');
      return { keyId, day, outcome, count };
    });
    try {
      await repo.addUsage(rows, [...l].map(([keyId, at]) => ({ keyId, at: new Date(at).toISOString() })));
    } catch (err) {
      // Keep the counts for the next flush rather than lose them during a store outage.
      for (const [k, n] of c) counts.set(k, (counts.get(k) ?? 0) + n);
      for (const [k, at] of l) if ((lastUsed.get(k) ?? 0) < at) lastUsed.set(k, at);
      onError(err);
    }
  }

  return {
    /** Counts one request of a key with its outcome (`ok` or an error code). */
    record(keyId: string, outcome: string): void {
      const ms = clock.now().getTime();
      // The UTC day string is recomputed only when the day changes: this runs on every /v1 request.
      if (ms < dayStart || ms >= dayStart + DAY_MS) {
        dayStart = ms - (ms % DAY_MS);
        day = new Date(dayStart).toISOString().slice(0, 10);
      }
      const k = `${keyId}|${day}|${outcome}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
      if (outcome === 'ok') lastUsed.set(keyId, ms);
    },
    /** Writes what has been counted so far. */
    flush(): Promise<void> {
      const c = counts;
      const l = lastUsed;
      counts = new Map();
      lastUsed = new Map();
      flushing = flushing.then(() => write(c, l));
      return flushing;
    },
    start(): void {
      timer = setInterval(() => void this.flush(), flushMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      await this.flush();
    },
  };
}
export type UsageRecorder = ReturnType<typeof createUsageRecorder>;
