import type { Logger } from 'pino';
import type { DialectName } from '../db/client.js';
import type { Clock } from '../kernel/time.js';
import { KEY_CHANGES_CHANNEL, type KeyChangesRepository } from './key-changes.repository.js';

/** How often a node looks at the feed: on SQLite a `PRAGMA data_version` check, on PostgreSQL a catch-up read (NOTIFY is faster still). */
export const KEY_FEED_POLL_MS = { sqlite: 250, postgres: 500 } as const;
/**
 * A node whose last successful read of the feed is older than this serves no key from its cache: every
 * request asks the store, which answers (fresh) or fails (503 `unavailable`). It bounds how long a node
 * cut off from the store could honour a key revoked meanwhile.
 */
export const KEY_FEED_STALE_MS = 3000;
/** Changes older than this are pruned; a node that fell further behind drops its whole cache instead. */
const KEY_CHANGES_RETENTION_MS = 24 * 3600 * 1000;
const PRUNE_EVERY_MS = 10 * 60 * 1000;
const BATCH = 1000;

/**
 * Follows the store's key change feed, so a key revoked, rolled, updated or created by any writer — the
 * CLI in another process, another node, with or without Redis — leaves this node's cache within one poll.
 * The scheduler runs `sync()` every KEY_FEED_POLL_MS (and `start()`/`stop()` around it): the request path
 * only reads `freshUntil()`.
 */
export function createKeyChangeFollower(deps: {
  repo: KeyChangesRepository;
  dialect: DialectName;
  clock: Clock;
  logger: Logger;
  /** PostgreSQL's LISTEN (from the store); undefined on SQLite. */
  listen?: (channel: string, onNotify: () => void) => () => Promise<void>;
  /** These keys changed: drop them from the cache. */
  onChanged: (keyIds: string[]) => void;
  /** The feed cannot say what changed (first read, or records pruned past this node): drop everything. */
  onResync: () => void;
}) {
  const { repo, dialect, clock, logger, listen, onChanged, onResync } = deps;
  let last: number | undefined;
  let version: number | undefined;
  let syncedAt = 0;
  let started = false;
  let running: Promise<void> | undefined;
  let again = false;
  let failing = false;
  let prunedAt = 0;
  let unlisten: (() => Promise<void>) | undefined;

  async function catchUp(): Promise<void> {
    if (last === undefined) {
      last = await repo.head();
      // Anything cached before the feed's position was known may predate a change: start afresh.
      onResync();
      return;
    }
    for (;;) {
      const changes = await repo.since(last, BATCH);
      if (changes.length === 0) return;
      // Numbers have no gaps in commit order, so a gap means the records were pruned before this node read them.
      if (changes[0].seq !== last + 1) onResync();
      else onChanged([...new Set(changes.map((c) => c.keyId))]);
      last = changes[changes.length - 1].seq;
      if (changes.length < BATCH) return;
    }
  }

  async function tick(): Promise<void> {
    const began = Date.now();
    try {
      if (dialect === 'sqlite' && last !== undefined) {
        const v = await repo.dataVersion();
        if (v !== version) {
          version = v;
          await catchUp();
        }
      } else {
        if (dialect === 'sqlite') version = await repo.dataVersion();
        await catchUp();
      }
      syncedAt = began;
      if (failing) logger.info('key change feed readable again');
      failing = false;
      if (began - prunedAt >= PRUNE_EVERY_MS) {
        prunedAt = began;
        await repo.prune(new Date(clock.now().getTime() - KEY_CHANGES_RETENTION_MS).toISOString());
      }
    } catch (err) {
      if (!failing) logger.warn({ err: (err as Error).message }, `key change feed unreadable; cached keys are not served after ${KEY_FEED_STALE_MS} ms`);
      failing = true;
    }
  }

  /** Runs one read now, or once more right after the one in progress (a NOTIFY during a read is not lost). */
  function poke(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await tick();
      } while (again);
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    /**
     * Starts following: cached keys are served only while the feed is read (the scheduler starts it in the
     * server; a CLI run or an in-process test that needs no feed does not), and NOTIFY triggers a read.
     */
    async start(): Promise<void> {
      if (started) return;
      started = true;
      unlisten = listen?.(KEY_CHANGES_CHANNEL, () => void poke());
    },
    /**
     * Until when (Date.now() ms) cached keys may be served. Infinite when the follower is not running:
     * that process has no other writer to follow (the CLI, unit tests).
     */
    freshUntil(): number {
      return started ? syncedAt + KEY_FEED_STALE_MS : Infinity;
    },
    /** Reads the feed once now (tests, and callers that want to be current before answering). */
    sync: () => poke(),
    async stop(): Promise<void> {
      await unlisten?.();
      unlisten = undefined;
      await running;
    },
  };
}
