import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers.js';
import { auth, makeWorld, type ApiWorld } from '../world.js';
import { createSecretBox, loadSecretKey } from '../../src/webhooks/secret-box.js';
import { createWebhooksRepository } from '../../src/webhooks/webhooks.repository.js';
import { createWebhookWorker, DISABLE_AFTER_MS, outcomeOf, RETRY_DELAYS_MS } from '../../src/webhooks/webhooks.worker.js';
import type { AttemptResult, DeliveryClient } from '../../src/webhooks/delivery-client.js';
import { webhookEvents } from '../../src/webhooks/event-payloads.js';

const POLL = { timeout: 5000, interval: 10 };
const fail: AttemptResult = { statusCode: 500, durationMs: 3, body: 'no', error: null };
const ok: AttemptResult = { statusCode: 200, durationMs: 3, body: 'ok', error: null };

describe('the retry schedule (pure)', () => {
  it('5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then failed; ±10 % jitter', () => {
    const now = new Date('2026-06-15T10:00:00.000Z');
    const expected = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
    expect(RETRY_DELAYS_MS).toEqual(expected);
    for (let attempts = 0; attempts < 7; attempts++) {
      const mid = outcomeOf({ attempts, failingSince: null }, fail, now, () => 0.5);
      expect(mid.next).toEqual({ status: 'pending', at: new Date(now.getTime() + expected[attempts]).toISOString() });
      const low = outcomeOf({ attempts, failingSince: null }, fail, now, () => 0).next as { at: string };
      const high = outcomeOf({ attempts, failingSince: null }, fail, now, () => 1).next as { at: string };
      expect(Date.parse(low.at) - now.getTime()).toBe(Math.round(expected[attempts] * 0.9));
      expect(Date.parse(high.at) - now.getTime()).toBe(Math.round(expected[attempts] * 1.1));
    }
    expect(outcomeOf({ attempts: 7, failingSince: null }, fail, now).next).toEqual({ status: 'failed' });
    expect(outcomeOf({ attempts: 7, failingSince: null }, ok, now).next).toEqual({ status: 'succeeded' });
    expect(outcomeOf({ attempts: 0, failingSince: null }, { ...fail, statusCode: 302 }, now).next.status).toBe('pending');
    expect(outcomeOf({ attempts: 0, failingSince: null }, { ...fail, statusCode: null, error: 'ECONNREFUSED' }, now).next.status).toBe('pending');
  });

  it('an endpoint failing for 5 days is disabled; a success clears the run', () => {
    const now = new Date('2026-06-20T10:00:00.000Z');
    const since = (ms: number) => new Date(now.getTime() - ms).toISOString();
    expect(outcomeOf({ attempts: 3, failingSince: since(DISABLE_AFTER_MS - 1) }, fail, now).endpoint.disable).toBeUndefined();
    expect(outcomeOf({ attempts: 3, failingSince: since(DISABLE_AFTER_MS) }, fail, now).endpoint.disable).toMatch(/5 days/);
    expect(outcomeOf({ attempts: 0, failingSince: null }, fail, now).endpoint).toEqual({ failingSince: now.toISOString(), disable: undefined });
    expect(outcomeOf({ attempts: 3, failingSince: since(DISABLE_AFTER_MS) }, ok, now).endpoint).toEqual({ failingSince: null });
  });
});

describe('the delivery worker on the store', () => {
  let t: TestApp;
  let w: ApiWorld;
  const logger = pino({ level: 'silent' });
  const workers: Array<{ stop(): Promise<void> }> = [];
  const worker = (send: DeliveryClient, opts: { perEndpoint?: number } = {}) => {
    const wk = createWebhookWorker({ repo: createWebhooksRepository(t.deps.store.db), send, secrets: createSecretBox(loadSecretKey(undefined, t.config.dataDir)), clock: t.clock, logger, pollMs: 20, ...opts });
    workers.push(wk);
    return wk;
  };
  const endpoint = async (path: string, events: string[] = ['member.created']) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: auth(w.keys.flow_api), payload: { url: `http://127.0.0.1:9${path}`, events } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const record = (n: number) =>
    t.deps.unitOfWork.transaction(async (tx) => {
      for (let i = 0; i < n; i++) await tx.webhookEvents.record(webhookEvents.memberCreated(w.env.id, { id: `mem_${i}` }));
    });
  const db = () => t.deps.store.db;

  beforeAll(async () => {
    t = await buildTestApp({ config: { webhookAllowPrivate: true } });
    w = await makeWorld(t);
  });
  afterAll(async () => {
    await Promise.all(workers.map((x) => x.stop()));
    await t.close();
  });

  it('two workers on one store attempt each delivery exactly once (the lease)', async () => {
    const ep = await endpoint('/lease');
    const hits = new Map<string, number>();
    const send: DeliveryClient = async (_url, headers) => {
      hits.set(headers['webhook-id'], (hits.get(headers['webhook-id']) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 5));
      return ok;
    };
    await record(30);
    const a = worker(send);
    const b = worker(send);
    a.start();
    b.start();
    await expect.poll(async () => (await db().selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', ep).where('status', '=', 'succeeded').execute()).length, POLL).toBe(30);
    await a.stop();
    await b.stop();
    expect(hits.size).toBe(30);
    expect([...hits.values()].every((n) => n === 1)).toBe(true);
    await db().deleteFrom('webhook_endpoints').where('id', '=', ep).execute().catch(() => undefined);
    await t.app.inject({ method: 'DELETE', url: `/v1/webhook-endpoints/${ep}`, headers: auth(w.keys.flow_api) });
  });

  it('a slow endpoint holds at most its own 4 slots; another endpoint is delivered meanwhile', async () => {
    const slow = await endpoint('/slow');
    await record(10);
    const fast = await endpoint('/fast');
    await record(1); // one more to each: the fast endpoint's only delivery is queued behind 11 slow ones
    let inSlow = 0;
    let maxSlow = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const fastDone: string[] = [];
    const send: DeliveryClient = async (url, headers) => {
      if (url.endsWith('/slow')) {
        inSlow++;
        maxSlow = Math.max(maxSlow, inSlow);
        await gate;
        inSlow--;
        return ok;
      }
      fastDone.push(headers['webhook-id']);
      return ok;
    };
    const wk = worker(send, { perEndpoint: 4 });
    wk.start();
    await expect.poll(() => fastDone.length, POLL).toBe(1);
    expect(inSlow).toBe(4);
    release();
    await expect.poll(async () => (await db().selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', slow).where('status', '=', 'succeeded').execute()).length, POLL).toBe(11);
    expect(maxSlow).toBe(4);
    await wk.stop();
    for (const ep of [slow, fast]) await t.app.inject({ method: 'DELETE', url: `/v1/webhook-endpoints/${ep}`, headers: auth(w.keys.flow_api) });
  });

  it('a crashed worker’s lease lapses and another worker delivers (nothing lost)', async () => {
    const ep = await endpoint('/crash');
    await record(1);
    const [d] = await db().selectFrom('webhook_deliveries').select(['id']).where('endpoint_id', '=', ep).execute();
    // A worker claimed it and died mid-delivery: the lease is held, no attempt was logged.
    const repo = createWebhooksRepository(db());
    expect(await repo.claim(d.id, t.clock.now().toISOString(), new Date(t.clock.now().getTime() + 60_000).toISOString())).toBe(true);
    expect(await repo.claim(d.id, t.clock.now().toISOString(), new Date(t.clock.now().getTime() + 60_000).toISOString())).toBe(false);
    const sent: string[] = [];
    const wk = worker(async (_u, h) => (sent.push(h['webhook-id']), ok));
    wk.start();
    await wk.tick();
    await wk.whenIdle();
    expect(sent).toEqual([]);
    t.clock.advance(61_000);
    await expect.poll(() => sent.length, POLL).toBe(1);
    await wk.stop();
    await t.app.inject({ method: 'DELETE', url: `/v1/webhook-endpoints/${ep}`, headers: auth(w.keys.flow_api) });
  });

  it('eight failed attempts fail the delivery; 5 days of failures disable the endpoint; the log is purged after 30 days', async () => {
    const ep = await endpoint('/down');
    await record(1);
    const wk = worker(async () => fail);
    const [d] = await db().selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', ep).execute();
    const state = () => db().selectFrom('webhook_deliveries').selectAll().where('id', '=', d.id).executeTakeFirstOrThrow();
    for (let i = 1; i <= 8; i++) {
      await wk.tick();
      await wk.whenIdle();
      expect((await state()).attempts).toBe(i);
      t.clock.advance(12 * 3600_000);
    }
    expect((await state()).status).toBe('failed');
    expect((await state()).next_attempt_at).toBeNull();
    const endpointRow = await db().selectFrom('webhook_endpoints').selectAll().where('id', '=', ep).executeTakeFirstOrThrow();
    // 8 attempts spread over ~3.5 days: failing, not yet disabled.
    expect(endpointRow.status).toBe('enabled');
    expect(endpointRow.failing_since).not.toBeNull();
    t.clock.advance(2 * 24 * 3600_000);
    await record(1);
    await wk.tick();
    await wk.whenIdle();
    const disabled = await db().selectFrom('webhook_endpoints').selectAll().where('id', '=', ep).executeTakeFirstOrThrow();
    expect(disabled.status).toBe('disabled');
    expect(disabled.disabled_reason).toMatch(/5 days/);
    const shown = (await t.app.inject({ url: `/v1/webhook-endpoints/${ep}`, headers: auth(w.keys.flow_api) })).json();
    expect(shown).toMatchObject({ status: 'disabled', disabledReason: disabled.disabled_reason });

    const attempts = async () => (await db().selectFrom('webhook_attempts').select('id').where('delivery_id', '=', d.id).execute()).length;
    expect(await attempts()).toBe(8);
    t.clock.advance(27 * 24 * 3600_000); // the last attempt is now 29.5 days old, the first 33
    await wk.purge();
    expect(await attempts()).toBeGreaterThan(0); // the last attempts are younger than 30 days
    t.clock.advance(2 * 24 * 3600_000);
    await wk.purge();
    expect(await attempts()).toBe(0);
    expect(await db().selectFrom('webhook_deliveries').select('id').where('id', '=', d.id).executeTakeFirst()).toBeUndefined();
  });
});
