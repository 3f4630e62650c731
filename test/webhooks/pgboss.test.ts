import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSkipReason } from '../production/cluster.js';
import { startPgBossCluster } from './pgboss-cluster.js';

const skip = clusterSkipReason();
if (skip) console.warn(`[webhooks/pgboss] skipped: ${skip}`);

const EVENTS = 300;

/** Two nodes on one PostgreSQL database share the deliveries through pg-boss. */
describe.skipIf(!!skip)('webhooks on pg-boss: two nodes, one database', () => {
  let c: Awaited<ReturnType<typeof startPgBossCluster>>;

  beforeAll(async () => {
    c = await startPgBossCluster();
  }, 90_000);
  afterAll(async () => c?.close(), 60_000);

  it(`delivers ${EVENTS} events once each, never the same one by two nodes at once, at most 4 per endpoint per node`, async () => {
    await c.endpoint('/burst');
    c.rx.setAnswer(() => new Promise((r) => setTimeout(() => r(200), 50)));
    const started = performance.now();
    const ids = await c.record(EVENTS);
    await expect.poll(() => c.missing(ids), { timeout: 90_000, interval: 100 }).toBe(0);
    await expect.poll(() => c.count('succeeded'), { timeout: 30_000, interval: 200 }).toBe(EVENTS);
    const burst = c.rx.received.filter((r) => r.path === '/burst');
    console.log(`[webhooks/pgboss] ${EVENTS} events in ${Math.round(performance.now() - started)} ms, ${burst.length} requests, at most ${c.rx.stats.maxInFlight} in flight`);
    expect(burst.every((r) => r.verified)).toBe(true);
    expect(c.rx.stats.concurrentDuplicates).toBe(0);
    // No node crashed: each attempt was relayed and run once.
    expect(burst.length).toBe(EVENTS);
    // 4 per endpoint on each of the two nodes.
    expect(c.rx.stats.maxInFlight).toBeLessThanOrEqual(8);
  }, 150_000);

  it('retries a 500 answer on the schedule, with the same webhook-id', async () => {
    await c.endpoint('/flaky');
    const seen = new Map<string, number>();
    c.rx.setAnswer((r) => {
      if (r.path !== '/flaky') return 200;
      const id = String(r.headers['webhook-id']);
      seen.set(id, (seen.get(id) ?? 0) + 1);
      return seen.get(id) === 1 ? 500 : 200;
    });
    const before = c.rx.received.length;
    const [id] = await c.record(1, EVENTS);
    // The event goes to both endpoints; the /flaky one answers 500 first, then 200 about 5 s later.
    await expect.poll(() => c.rx.received.slice(before).filter((r) => r.path === '/flaky').length, { timeout: 30_000, interval: 100 }).toBe(2);
    const flaky = c.rx.received.slice(before).filter((r) => r.path === '/flaky');
    expect(flaky.map((r) => r.headers['webhook-id'])).toEqual([id, id]);
    expect(flaky.every((r) => r.verified)).toBe(true);
    const gap = Number(flaky[1]!.headers['webhook-timestamp']) - Number(flaky[0]!.headers['webhook-timestamp']);
    expect(gap).toBeGreaterThanOrEqual(4);
    const delivery = () => c.store.db.selectFrom('webhook_deliveries as d').innerJoin('webhook_endpoints as we', 'we.id', 'd.endpoint_id').select(['d.status', 'd.attempts']).where('d.event_id', '=', id!).where('we.url', 'like', '%/flaky').executeTakeFirstOrThrow();
    await expect.poll(delivery, { timeout: 10_000, interval: 100 }).toEqual({ status: 'succeeded', attempts: 2 });
  }, 60_000);
});
