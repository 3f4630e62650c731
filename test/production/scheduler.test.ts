import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScheduler } from '../../src/shared/scheduler.js';
import { buildTestApp, type TestApp } from '../helpers.js';

/** A logger that keeps what it was told. */
function memoryLog() {
  const lines: Array<{ obj: object; msg: string }> = [];
  return { lines, warn: (obj: object, msg: string) => void lines.push({ obj, msg }) };
}

describe('the scheduler', () => {
  it('runs each job at start and then on its interval', async () => {
    const logger = memoryLog();
    let ticks = 0;
    let once = 0;
    let later = 0;
    const s = createScheduler({
      logger,
      jobs: [
        { name: 'tick', everyMs: 10, run: async () => void ticks++ },
        { name: 'once', everyMs: 0, run: async () => void once++ },
        { name: 'later', everyMs: 10, runAtStart: false, run: async () => void later++ },
      ],
    });
    await s.start();
    await expect.poll(() => once).toBe(1);
    expect(ticks).toBeGreaterThanOrEqual(1);
    await expect.poll(() => ticks).toBeGreaterThanOrEqual(3);
    await expect.poll(() => later).toBeGreaterThanOrEqual(2);
    expect(later).toBeLessThan(ticks); // not run at start: one tick behind
    await s.stop();
    const stopped = ticks;
    expect(once).toBe(1);
    // No tick after stop: five intervals later the count is unchanged.
    await new Promise((r) => setTimeout(r, 50));
    expect(ticks).toBe(stopped);
    expect(logger.lines).toEqual([]);
  });

  it('logs a failing run and retries at the next tick; start and stop never throw', async () => {
    const logger = memoryLog();
    let runs = 0;
    const s = createScheduler({
      logger,
      jobs: [
        {
          name: 'flaky',
          everyMs: 10,
          run: async () => {
            runs++;
            throw new Error('store away');
          },
        },
        {
          name: 'no set-up',
          everyMs: 1000,
          setUp: async () => {
            throw new Error('cannot listen');
          },
          run: async () => undefined,
          tearDown: async () => {
            throw new Error('cannot unlisten');
          },
        },
      ],
    });
    await expect(s.start()).resolves.toBeUndefined();
    await expect.poll(() => runs).toBeGreaterThanOrEqual(3);
    await expect(s.stop()).resolves.toBeUndefined();
    const msgs = logger.lines.map((l) => l.msg);
    expect(msgs).toContain('flaky failed; will retry');
    expect(msgs).toContain('no set-up could not start; will retry at its next tick');
    expect(msgs).toContain('no set-up did not stop cleanly');
    const failure = logger.lines.find((l) => l.msg === 'flaky failed; will retry')!.obj as { err: Error; job: string };
    expect(failure.job).toBe('flaky');
    expect(failure.err.message).toBe('store away');
  });

  it('stop() waits for a running job, then tears down; a run is never started twice at once', async () => {
    const logger = memoryLog();
    const events: string[] = [];
    let release!: () => void;
    let concurrent = 0;
    let maxConcurrent = 0;
    const s = createScheduler({
      logger,
      jobs: [
        {
          name: 'slow',
          everyMs: 5,
          runAtStart: false,
          run: async () => {
            concurrent++;
            maxConcurrent = Math.max(maxConcurrent, concurrent);
            events.push('run');
            await new Promise<void>((r) => (release = r));
            concurrent--;
            events.push('run done');
          },
          tearDown: async () => void events.push('tear down'),
        },
      ],
    });
    await s.start();
    await expect.poll(() => events).toContain('run');
    // Several ticks pass while the run is held: none starts a second run.
    await new Promise((r) => setTimeout(r, 30));
    let stopped = false;
    const stopping = s.stop().then(() => void (stopped = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(events).toEqual(['run', 'run done', 'tear down']);
    expect(maxConcurrent).toBe(1);
  });

  it('start() resolves after every set-up, before the first tick', async () => {
    const events: string[] = [];
    const s = createScheduler({
      logger: memoryLog(),
      jobs: [{ name: 'feed', everyMs: 60_000, runAtStart: false, setUp: async () => void (await Promise.resolve(), events.push('set up')), run: async () => void events.push('run') }],
    });
    await s.start();
    expect(events).toEqual(['set up']);
    await s.run('feed');
    expect(events).toEqual(['set up', 'run']);
    await s.stop();
  });

  it('refuses a job added after start or under a name already taken', async () => {
    const s = createScheduler({ logger: memoryLog(), jobs: [{ name: 'a', everyMs: 0, run: async () => undefined }] });
    expect(() => s.add({ name: 'a', everyMs: 0, run: async () => undefined })).toThrow(/duplicate job a/);
    await s.start();
    expect(() => s.add({ name: 'b', everyMs: 0, run: async () => undefined })).toThrow(/already started/);
    await s.stop();
  });
});

describe('the app’s scheduler', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t?.close());

  it('owns every periodic job; building the app starts none of them, scheduler.start() does', async () => {
    expect(t.deps.scheduler.names()).toEqual(['usage flush', 'key change feed', 'expiry check', 'import recovery', 'import sweep', 'checkout expiry', 'idempotency purge', 'webhook deliveries', 'webhook log purge']);
    await t.app.ready();
    // Not following the feed: the cache answers without a freshness bound (no other writer to follow).
    expect(t.deps.keyFeed.freshUntil()).toBe(Infinity);
    await t.deps.scheduler.start();
    expect(t.deps.keyFeed.freshUntil()).toBeLessThan(Infinity);
    expect(t.deps.keyFeed.freshUntil()).toBeGreaterThan(Date.now());
  });
});
