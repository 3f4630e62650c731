import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers.js';
import { call, clusterSkipReason, createKey, login, redisPrefix, startNode, type Node } from '../production/cluster.js';
import { openStore, type Store } from '../../src/db/client.js';
import { createWebhookEventsRepository } from '../../src/webhooks/webhook-events.repository.js';
import { webhookEvents } from '../../src/webhooks/event-payloads.js';
import { startReceiver } from './receiver.js';

const skip = clusterSkipReason();
if (skip) console.warn(`[webhooks/crash] skipped: ${skip}`);

const EVENTS = 200;

/**
 * Two nodes on PostgreSQL share the deliveries; `kill -9` of one mid-burst loses nothing: its claimed
 * deliveries' leases lapse (60 s) and the other node delivers them — every event arrives at least once,
 * signed.
 */
describe.skipIf(!!skip)('webhooks: kill -9 of a node mid-burst (PostgreSQL, two nodes)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let store: Store;
  let a: Node | undefined;
  let b: Node | undefined;
  let rx: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    db = await freshDatabase();
    const env = {
      DATABASE_URL: db.config.databaseUrl!,
      REDIS_URL: process.env.REDIS_URL!,
      FLOW_REDIS_PREFIX: redisPrefix(),
      FLOW_WEBHOOK_ALLOW_PRIVATE: 'true',
      FLOW_WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'),
    };
    a = await startNode(env);
    b = await startNode(env);
    store = openStore({ databaseUrl: db.config.databaseUrl, dataDir: db.dataDir });
    rx = await startReceiver();
  }, 90_000);

  afterAll(async () => {
    await a?.stop('SIGKILL');
    await b?.stop('SIGTERM');
    await rx?.close();
    await store?.close();
    await db?.drop();
  }, 60_000);

  it('delivers every event at least once', async () => {
    const s = await login(a!.url);
    const { key } = await createKey(a!.url, s, { rateLimitPerMinute: 100_000 });
    const auth = { authorization: `Bearer ${key}` };
    const created = await call(a!.url, 'POST', '/v1/webhook-endpoints', { headers: auth, body: { url: rx.url('/burst'), events: ['member.updated'] } });
    expect(created.status, created.text).toBe(201);
    rx.secrets.set('/burst', created.json.secret as string);
    const environmentId = (await call(a!.url, 'GET', '/v1/me', { headers: auth })).json.environment.id as string;
    // A slow receiver (150 ms an answer), so the burst is still in flight when a node dies.
    rx.setAnswer(() => new Promise((r) => setTimeout(() => r(200), 150)));

    const ids: string[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const { id } = await store.db.transaction().execute((trx) => createWebhookEventsRepository(trx).record(webhookEvents.memberUpdated(environmentId, { id: `mem_${i}`, n: i })));
      ids.push(id);
    }
    await expect.poll(() => rx.received.length, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(EVENTS / 5);
    await a!.stop('SIGKILL');
    const got = () => new Set(rx.received.map((r) => String(r.headers['webhook-id'])));
    await expect.poll(() => ids.filter((id) => !got().has(id)).length, { timeout: 120_000, interval: 200 }).toBe(0);
    expect(rx.received.every((r) => r.verified)).toBe(true);
    // The deliveries the killed node held (sent, not yet recorded) are attempted again once their lease lapses.
    const succeeded = async () => Number((await store.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', 'succeeded').executeTakeFirstOrThrow()).n);
    await expect.poll(succeeded, { timeout: 120_000, interval: 500 }).toBe(EVENTS);
    console.log(`[webhooks/crash] ${EVENTS} events, ${rx.received.length} requests (duplicates after the kill: ${rx.received.length - EVENTS})`);
  }, 200_000);
});
