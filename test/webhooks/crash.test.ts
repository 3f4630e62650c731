import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSkipReason } from '../production/cluster.js';
import { startPgBossCluster } from './pgboss-cluster.js';

const skip = clusterSkipReason();
if (skip) console.warn(`[webhooks/crash] skipped: ${skip}`);

const UPDATES = 1_000;

/**
 * Two nodes on PostgreSQL share the deliveries through pg-boss; `kill -9` of one mid-burst loses
 * nothing: the killed node's running jobs expire (15 s) and the other node runs them — every event
 * arrives at least once, signed, and never by two nodes at once.
 */
describe.skipIf(!!skip)('webhooks: kill -9 of a node mid-burst (PostgreSQL, two nodes, pg-boss)', () => {
  let c: Awaited<ReturnType<typeof startPgBossCluster>>;

  beforeAll(async () => {
    c = await startPgBossCluster();
  }, 90_000);
  afterAll(async () => c?.close(), 60_000);

  it(`delivers the event of every one of ${UPDATES} member updates at least once`, async () => {
    await c.endpoint('/burst');
    // A slow receiver (150 ms an answer), so the burst is still in flight when a node dies.
    c.rx.setAnswer(() => new Promise((r) => setTimeout(() => r(200), 150)));
    const started = performance.now();
    // 1,000 PATCH /v1/members/:id through node 1: the members service records each member.updated event in the
    // transaction of its update. Both nodes deliver while the updates go on; node 0 is killed a fifth of the way in.
    let recordedMs = 0;
    const recording = c.updateMember(UPDATES, 1).then((ids) => ((recordedMs = performance.now() - started), ids));
    await expect.poll(() => c.rx.received.length, { timeout: 120_000, interval: 20 }).toBeGreaterThanOrEqual(UPDATES / 5);
    await c.nodes[0]!.stop('SIGKILL');
    const atKill = c.rx.received.length;
    const ids = await recording;
    expect(ids).toHaveLength(UPDATES);
    await expect.poll(() => c.missing(ids), { timeout: 150_000, interval: 200 }).toBe(0);
    expect(c.rx.received.every((r) => r.verified)).toBe(true);
    expect(c.rx.stats.concurrentDuplicates).toBe(0);
    // The attempts the killed node held (sent, not yet recorded) are run again once their job expires.
    await expect.poll(() => c.count('succeeded'), { timeout: 60_000, interval: 500 }).toBe(UPDATES);
    console.log(`[webhooks/crash] ${UPDATES} member updates (made in ${Math.round(recordedMs)} ms) delivered in ${Math.round(performance.now() - started)} ms; ${atKill} requests before the kill, ${c.rx.received.length} in all (duplicates after the kill: ${c.rx.received.length - UPDATES}, concurrent duplicates: ${c.rx.stats.concurrentDuplicates})`);
  }, 300_000);
});
