import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Actor } from '../../src/audit/audit.service.js';
import { openStore } from '../../src/db/client.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { generateKey, keyIdOf, randomBase62 } from '../../src/keys/key-format.js';
import { KEY_FEED_STALE_MS } from '../../src/keys/key-changes.follower.js';
import { buildTestApp, demoEnvId, type TestApp } from '../helpers.js';
import { ROOT, tcpProxy } from './cluster.js';

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

async function newKey(t: TestApp): Promise<{ id: string; key: string }> {
  const { key, view } = await t.deps.keys.create(await demoEnvId(t), { reference: `Feed ${randomBase62(4)}`, purpose: 'flow_api', expiresOn: '2028-03-31' }, ACTOR);
  return { id: view.id, key };
}

describe('changes by another writer reach a node with the key cached', () => {
  let t: TestApp;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await buildTestApp();
    await t.deps.keyFeed.start(); // as the server does
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
    await expect.poll(() => me(t, k.key), { timeout: BAR_MS, interval: 20 }).toBe('key_revoked');
  });

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
      const store = openStore({ databaseUrl: t.config.databaseUrl, dataDir: t.config.dataDir });
      const deps: Deps = await createDeps({ ...t.config, logLevel: 'silent' }, { clock: t.clock, store, usageFlushMs: 60_000 });
      const app = await buildApp(deps);
      await app.ready();
      await deps.keyFeed.start();
      other = { app, deps, close: async () => (await app.close(), await deps.close()) };
    });
    afterAll(async () => other?.close());

    it('a key revoked on one node is refused on the other within 1 s', async () => {
      const k = await newKey(t);
      expect(await me(other, k.key)).toBe('ok');
      await t.deps.keys.revoke(await demoEnvId(t), k.id, ACTOR);
      await expect.poll(() => me(other, k.key), { timeout: BAR_MS, interval: 20 }).toBe('key_revoked');
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
    const store = openStore({ databaseUrl: viaProxy.toString(), dataDir: t.config.dataDir });
    const deps = await createDeps({ ...t.config, databaseUrl: viaProxy.toString(), logLevel: 'silent' }, { clock: t.clock, store, usageFlushMs: 60_000 });
    const app = await buildApp(deps);
    await app.ready();
    await deps.keyFeed.start();
    node = { app, deps, close: async () => (await app.close(), await deps.close()) };
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
