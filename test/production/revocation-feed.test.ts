import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Actor } from '../../src/audit/audit.service.js';
import { openStore } from '../../src/db/client.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { randomBase62 } from '../../src/kernel/base62.js';
import { generateKey, keyIdOf } from '../../src/kernel/key-format.js';
import { KEY_FEED_STALE_MS } from '../../src/keys/key-changes.follower.js';
import { buildTestApp, demoEnvId, type TestApp } from '../helpers.js';
import { ROOT, redisPrefix, tcpProxy } from './cluster.js';

/**
 * A key changed by another writer — the CLI in its own OS process on the same FLOW_DATA_DIR or
 * DATABASE_URL, or a second node without Redis — is refused (or, when created, accepted) by this node
 * within a second, although the node's key cache keeps entries for 30 s: the store's change feed
 * carries the change, not the in-process call or Redis.
 */
const BIN = path.join(ROOT, 'bin/flow.js');
const built = fs.existsSync(path.join(ROOT, 'dist/cli/main.js'));
if (!built) console.warn('[production/revocation-feed] CLI tests skipped: dist/ is missing, run `npm run build` first');
const FORCE_ID = path.join(import.meta.dirname, 'fixtures/force-public-id.mjs');
const ACTOR: Actor = { type: 'system', id: null, label: 'test', ip: null };
/** The bar: a change by another writer is seen within this many ms. */
const BAR_MS = 1000;

type App = Pick<TestApp, 'app' | 'deps'>;

/** GET /v1/me with `key`: 'ok' or the problem code. */
async function me(t: App, key: string): Promise<string> {
  const r = await t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${key}` } });
  return r.statusCode === 200 ? 'ok' : (r.json() as { code: string }).code;
}

const STORE = process.env.DATABASE_URL ? 'PostgreSQL' : 'SQLite';

/** Polls until `key` answers `code`, then answers how long that took (ms): the measured propagation delay. */
async function delayUntil(t: App, key: string, code: string): Promise<number> {
  const t0 = performance.now();
  await expect.poll(() => me(t, key), { timeout: BAR_MS, interval: 5 }).toBe(code);
  return Math.round(performance.now() - t0);
}

function report(what: string, ms: number[]): void {
  const sorted = [...ms].sort((a, b) => a - b);
  console.log(`[production/revocation-feed] ${what} on ${STORE}: median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms (${ms.length} samples)`);
}

/** Starts a second node (deps + app, no listen) on the store of `t`, with `extra` configuration. */
async function secondNode(t: TestApp, extra: Partial<TestApp['config']> = {}): Promise<App & { close(): Promise<void> }> {
  const config: TestApp['config'] = { ...t.config, logLevel: 'silent', ...extra };
  const store = openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const deps: Deps = await createDeps(config, { clock: t.clock, store, usageFlushMs: 60_000 });
  const app = await buildApp(deps);
  await app.ready();
  await deps.scheduler.start(); // as the server does
  return { app, deps, close: async () => (await app.close(), await deps.close()) };
}

async function newKey(t: TestApp): Promise<{ id: string; key: string }> {
  const { key, view } = await t.deps.keys.create(await demoEnvId(t), { reference: `Feed ${randomBase62(4)}`, purpose: 'flow_api', expiresOn: '2028-03-31' }, ACTOR);
  return { id: view.id, key };
}

describe('changes by another writer reach a node with the key cached', () => {
  let t: TestApp;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await buildTestApp();
    await t.deps.scheduler.start(); // as the server does
    expect(t.config.keyCacheTtlMs).toBe(30_000); // the default: without the feed, a cached key lives 30 s
    env = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'silent', FLOW_DATA_DIR: t.config.dataDir, ...(t.config.databaseUrl ? { DATABASE_URL: t.config.databaseUrl } : {}) };
  });
  afterAll(async () => t?.close());

  /** Runs `node bin/flow.js …` as its own OS process (no REDIS_URL) and answers its stdout. */
  function cli(args: string[], opts: { publicId?: string } = {}): Promise<string> {
    const node = opts.publicId ? ['--import', FORCE_ID, BIN] : [BIN];
    return new Promise((resolve, reject) => {
      execFile(process.execPath, [...node, ...args], { env: { ...env, FLOW_TEST_PUBLIC_ID: opts.publicId } }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    });
  }

  it.skipIf(!built)('flow keys revoke in another process: refused with key_revoked within 1 s', async () => {
    const k = await newKey(t);
    expect(await me(t, k.key)).toBe('ok'); // cached now
    await cli(['keys', 'revoke', k.id]);
    const ms = [await delayUntil(t, k.key, 'key_revoked')];
    for (let i = 0; i < 2; i++) {
      const more = await newKey(t);
      expect(await me(t, more.key)).toBe('ok');
      await cli(['keys', 'revoke', more.id]);
      ms.push(await delayUntil(t, more.key, 'key_revoked'));
    }
    report('flow keys revoke (another process) → refused, from the CLI exit', ms);
  }, 90_000);

  it.skipIf(!built)('flow keys roll --grace 0 in another process: the new secret works and the old is refused within 1 s', async () => {
    const k = await newKey(t);
    expect(await me(t, k.key)).toBe('ok');
    const rolled = JSON.parse(await cli(['keys', 'roll', k.id, '--grace', '0', '--json'])) as { key: string };
    await expect.poll(() => me(t, rolled.key), { timeout: BAR_MS, interval: 20 }).toBe('ok');
    await expect.poll(() => me(t, k.key), { timeout: BAR_MS, interval: 20 }).toBe('key_invalid');
  });

  it.skipIf(!built)('flow keys create in another process after a cached miss for that id: the key works within 1 s', async () => {
    const publicId = randomBase62(12);
    expect(await me(t, generateKey(publicId).key)).toBe('key_invalid'); // the miss for this id is cached now
    const created = JSON.parse(
      await cli(['keys', 'create', '--env', 'demo', '--reference', 'From the CLI', '--purpose', 'flow_api', '--expires', '2028-03-31', '--json'], { publicId }),
    ) as { id: string; key: string };
    expect(created.id).toBe(keyIdOf(publicId));
    await expect.poll(() => me(t, created.key), { timeout: BAR_MS, interval: 20 }).toBe('ok');
  });

  describe('a second node on the same store, without Redis', () => {
    let other: App & { close(): Promise<void> };
    beforeAll(async () => {
      expect(t.config.redisUrl).toBeUndefined();
      other = await secondNode(t);
    });
    afterAll(async () => other?.close());

    it('a key revoked on one node is refused on the other within 1 s', async () => {
      const k = await newKey(t);
      expect(await me(other, k.key)).toBe('ok');
      await t.deps.keys.revoke(await demoEnvId(t), k.id, ACTOR);
      await expect.poll(() => me(other, k.key), { timeout: BAR_MS, interval: 20 }).toBe('key_revoked');
    });

    it('measures the delay: revoke on one node → first refusal on the other (printed)', async () => {
      const ms: number[] = [];
      for (let i = 0; i < 10; i++) {
        const k = await newKey(t);
        expect(await me(other, k.key)).toBe('ok');
        await t.deps.keys.revoke(await demoEnvId(t), k.id, ACTOR);
        ms.push(await delayUntil(other, k.key, 'key_revoked'));
      }
      report('revoke on another node without Redis → refused', ms);
    });

    it('a key rolled with no grace on one node: the other takes the new secret and refuses the old within 1 s', async () => {
      const k = await newKey(t);
      expect(await me(other, k.key)).toBe('ok');
      const rolled = await t.deps.keys.roll(await demoEnvId(t), k.id, 0, ACTOR);
      await expect.poll(() => me(other, rolled.key), { timeout: BAR_MS, interval: 20 }).toBe('ok');
      await expect.poll(() => me(other, k.key), { timeout: BAR_MS, interval: 20 }).toBe('key_invalid');
    });

    it('a leaked-key report on one node revokes the key on the other within 1 s', async () => {
      const k = await newKey(t);
      expect(await me(other, k.key)).toBe('ok');
      await t.deps.leaked.report([k.key], '127.0.0.1');
      await expect.poll(() => me(other, k.key), { timeout: BAR_MS, interval: 20 }).toBe('key_revoked');
    });
  });
});

const REDIS = process.env.REDIS_URL;
if (!REDIS) console.warn('[production/revocation-feed] Redis measurement skipped: set REDIS_URL');

describe.skipIf(!REDIS)('two nodes with Redis (pub/sub as an accelerator on top of the feed)', () => {
  let t: TestApp;
  let a: App & { close(): Promise<void> };
  let b: App & { close(): Promise<void> };
  beforeAll(async () => {
    t = await buildTestApp();
    const shared = { redisUrl: REDIS, redisPrefix: redisPrefix() };
    [a, b] = [await secondNode(t, shared), await secondNode(t, shared)];
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await t?.close();
  });

  it('measures the delay: revoke on one node → first refusal on the other (printed)', async () => {
    const ms: number[] = [];
    for (let i = 0; i < 10; i++) {
      const k = await newKey(t);
      expect(await me(b, k.key)).toBe('ok');
      await a.deps.keys.revoke(await demoEnvId(t), k.id, ACTOR);
      ms.push(await delayUntil(b, k.key, 'key_revoked'));
    }
    report('revoke on another node with Redis → refused', ms);
  });
});

const PG = process.env.DATABASE_URL;
if (!PG) console.warn('[production/revocation-feed] store-down test skipped: set DATABASE_URL (it cuts a TCP proxy in front of PostgreSQL)');

describe.skipIf(!PG)('a node that cannot read the change feed', () => {
  let t: TestApp;
  let proxy: Awaited<ReturnType<typeof tcpProxy>>;
  let node: App & { close(): Promise<void> };
  beforeAll(async () => {
    t = await buildTestApp();
    const real = new URL(t.config.databaseUrl!);
    proxy = await tcpProxy(Number(real.port || 5432), real.hostname);
    const viaProxy = new URL(real);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    node = await secondNode(t, { databaseUrl: viaProxy.toString() });
  });
  afterAll(async () => {
    await node?.close();
    await proxy?.close();
    await t?.close();
  });

  it(`stops serving cached keys within ${KEY_FEED_STALE_MS} ms of losing the store (503 unavailable), and serves again when it returns`, async () => {
    const k = await newKey(t);
    expect(await me(node, k.key)).toBe('ok'); // cached
    await proxy.cut();
    await expect.poll(() => me(node, k.key), { timeout: KEY_FEED_STALE_MS + 1000, interval: 50 }).toBe('unavailable');
    await proxy.restore();
    await expect.poll(() => me(node, k.key), { timeout: 10_000, interval: 100 }).toBe('ok');
  });
});
