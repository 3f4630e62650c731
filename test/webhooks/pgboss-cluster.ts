/** Two server nodes (dist/) on one fresh PostgreSQL database, delivering webhooks on pg-boss, and a local receiver. */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { freshDatabase } from '../helpers.js';
import { call, createKey, login, redisPrefix, startNode, type Node } from '../production/cluster.js';
import { openStore, type Store } from '../../src/db/client.js';
import { createWebhookEventsRepository } from '../../src/webhooks/webhook-events.repository.js';
import { webhookEvents } from '../../src/webhooks/event-payloads.js';
import { startReceiver } from './receiver.js';

export async function startPgBossCluster() {
  const db = await freshDatabase();
  const env = {
    DATABASE_URL: db.config.databaseUrl!,
    REDIS_URL: process.env.REDIS_URL!,
    FLOW_REDIS_PREFIX: redisPrefix(),
    FLOW_WEBHOOK_ALLOW_PRIVATE: 'true',
    FLOW_WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'),
  };
  const nodes: Node[] = [await startNode(env), await startNode(env)];
  const store: Store = openStore({ databaseUrl: db.config.databaseUrl, dataDir: db.dataDir });
  const rx = await startReceiver();
  const s = await login(nodes[0]!.url);
  const { key } = await createKey(nodes[0]!.url, s, { rateLimitPerMinute: 100_000 });
  const auth = { authorization: `Bearer ${key}` };
  const environmentId = (await call(nodes[0]!.url, 'GET', '/v1/me', { headers: auth })).json.environment.id as string;

  return {
    nodes,
    store,
    rx,
    /** A webhook endpoint of the key at the receiver's `path`. */
    async endpoint(path: string): Promise<string> {
      const created = await call(nodes[0]!.url, 'POST', '/v1/webhook-endpoints', { headers: auth, body: { url: rx.url(path), events: ['member.updated'] } });
      expect(created.status, created.text).toBe(201);
      rx.secrets.set(path, created.json.secret as string);
      return created.json.id as string;
    },
    /**
     * `n` member.updated events written straight into the outbox, each in its own transaction as an owner's
     * would (the delivery engine's tests; the crash test goes through the API instead, see updateMember).
     */
    async record(n: number, from = 0): Promise<string[]> {
      const ids: string[] = [];
      for (let i = from; i < from + n; i++) {
        const { id } = await store.db.transaction().execute((trx) => createWebhookEventsRepository(trx).record(webhookEvents.memberUpdated(environmentId, { id: `mem_${i}`, n: i })));
        ids.push(id);
      }
      return ids;
    },
    /**
     * `n` updates of one member through the public API of node `on` (PATCH /v1/members/:id, each a change):
     * the members service records each member.updated event in the transaction of its update.
     * Returns the ids of the member.updated events stored.
     */
    async updateMember(n: number, on: number): Promise<string[]> {
      const base = () => nodes[on]!.url;
      const created = await call(base(), 'POST', '/v1/members', { headers: auth, body: { firstName: 'Burst', lastName: 'Member', email: `burst-${randomBytes(4).toString('hex')}@example.com` } });
      expect(created.status, created.text).toBe(201);
      for (let i = 0; i < n; i++) {
        const res = await call(base(), 'PATCH', `/v1/members/${created.json.id as string}`, { headers: auth, body: { firstName: `Burst ${i}` } });
        expect(res.status, res.text).toBe(200);
      }
      const rows = await store.db.selectFrom('webhook_events').select('id').where('type', '=', 'member.updated').execute();
      return rows.map((r) => r.id);
    },
    /** Event ids the receiver has not seen yet. */
    missing(ids: string[]): number {
      const got = new Set(rx.received.map((r) => String(r.headers['webhook-id'])));
      return ids.filter((id) => !got.has(id)).length;
    },
    async count(status: string): Promise<number> {
      return Number((await store.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', status).executeTakeFirstOrThrow()).n);
    },
    async close() {
      for (const n of nodes) await n.stop('SIGTERM');
      await rx.close();
      await store.close();
      await db.drop();
    },
  };
}
