import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';
import type { CreateKeyInput } from '../../src/keys/keys.service.js';
import { generateKey } from '../../src/kernel/key-format.js';
import { buildTestApp, demoEnvId, fixedClock, type TestApp } from '../helpers.js';

describe('verification on /v1', () => {
  let t: TestApp;
  let envId: string;
  const clock = fixedClock('2026-06-15T10:00:00.000Z');

  beforeAll(async () => {
    t = await buildTestApp({
      clock,
      v1Routes: (app) => {
        app.get('/test-import', { config: { permission: 'members:import' } }, async () => ({ ok: true }));
        app.get('/test-boom', async () => {
          throw new Error('secret internal detail: db password hunter2');
        });
      },
    });
    envId = await demoEnvId(t);
  });
  afterAll(async () => t.close());

  async function newKey(input: Partial<CreateKeyInput> = {}) {
    return t.deps.keys.create(envId, { reference: 'Test', purpose: 'flow_api', expiresOn: '2026-12-31', ...input }, SYSTEM_ACTOR);
  }
  const me = (key?: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url: '/v1/me', headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } });

  it('answers /v1/me for a valid key, by Bearer or X-API-Key, with rate-limit headers', async () => {
    const { key, view } = await newKey({ purpose: 'coursepro_integration', reference: 'CoursePro live' });
    for (const res of [await me(key), await me(undefined, { 'x-api-key': key }), await me(undefined, { authorization: `bearer ${key}` })]) {
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.environment.slug).toBe('demo');
      expect(body.key).toMatchObject({ id: view.id, reference: 'CoursePro live', purpose: 'coursepro_integration', expiresOn: '2026-12-31' });
      expect(body.key.permissions).toContain('attendance:write');
      expect(body.key.permissions).not.toContain('members:write');
      expect(Number(res.headers['ratelimit-limit'])).toBeGreaterThan(0);
      expect(res.headers['ratelimit-remaining']).toBeDefined();
      expect(res.headers['ratelimit-reset']).toBeDefined();
    }
  });

  it('key_missing, key_malformed (no store look-up), key_invalid, as problem+json with rate-limit headers', async () => {
    const missing = await me();
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    expect(missing.json()).toMatchObject({ code: 'key_missing', status: 401 });
    expect(missing.json().requestId).toMatch(/^req_/);
    expect(missing.headers['ratelimit-limit']).toBeDefined();

    const { key } = await newKey();
    const before = t.deps.verifier.stats().lookups;
    for (let i = 0; i < key.length; i += 5) {
      const changed = key.slice(0, i) + (key[i] === 'A' ? 'B' : 'A') + key.slice(i + 1);
      const res = await me(changed);
      expect(res.json().code).toBe('key_malformed');
    }
    expect(t.deps.verifier.stats().lookups).toBe(before);

    const unknown = generateKey().key;
    expect((await me(unknown)).json().code).toBe('key_invalid');
    // Right id, wrong secret.
    const forged = generateKey(key.slice(5, 17)).key;
    expect((await me(forged)).json().code).toBe('key_invalid');
  });

  it('an unknown key id costs one store look-up per cache period, even under concurrency', async () => {
    const unknown = generateKey().key;
    const before = t.deps.verifier.stats().lookups;
    const results = await Promise.all(Array.from({ length: 50 }, () => t.deps.verifier.verify(unknown, '127.0.0.1')));
    for (let i = 0; i < 50; i++) await t.deps.verifier.verify(unknown, '127.0.0.1');
    expect(results.every((r) => !r.ok && r.code === 'key_invalid')).toBe(true);
    expect(t.deps.verifier.stats().lookups - before).toBe(1);
  });

  it('accepts a key through its expiry date and rejects it from the next day in the environment time zone', async () => {
    const { key } = await newKey({ expiresOn: '2026-07-01' });
    // Europe/London is UTC+1 in July: the day ends at 23:00 UTC.
    clock.set('2026-07-01T22:59:59.000Z');
    expect((await me(key)).statusCode).toBe(200);
    clock.set('2026-07-01T23:00:00.000Z');
    const res = await me(key);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('key_expired');
    clock.set('2026-06-15T10:00:00.000Z');
  });

  it('rejects a revoked key on the very next request', async () => {
    const { key, view } = await newKey();
    expect((await me(key)).statusCode).toBe(200);
    await t.deps.keys.revoke(envId, view.id, SYSTEM_ACTOR);
    const res = await me(key);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('key_revoked');
  });

  it('roll: both secrets work during the grace, the old one is rejected after it', async () => {
    const { key: oldKey, view } = await newKey();
    expect((await me(oldKey)).statusCode).toBe(200);
    const { key: newSecret } = await t.deps.keys.roll(envId, view.id, 3600, SYSTEM_ACTOR);
    expect(newSecret).not.toBe(oldKey);
    expect(newSecret.slice(0, 18)).toBe(oldKey.slice(0, 18));
    expect((await me(oldKey)).statusCode).toBe(200);
    expect((await me(newSecret)).statusCode).toBe(200);
    clock.advance(3600 * 1000);
    expect((await me(oldKey)).json().code).toBe('key_invalid');
    expect((await me(newSecret)).statusCode).toBe(200);
    clock.set('2026-06-15T10:00:00.000Z');
  });

  it('roll with no grace stops the old secret at once', async () => {
    const { key: oldKey, view } = await newKey();
    expect((await me(oldKey)).statusCode).toBe(200);
    const { key: newSecret } = await t.deps.keys.roll(envId, view.id, 0, SYSTEM_ACTOR);
    expect((await me(oldKey)).json().code).toBe('key_invalid');
    expect((await me(newSecret)).statusCode).toBe(200);
  });

  it('permission_denied for an operation the purpose does not grant', async () => {
    const { key } = await newKey({ purpose: 'coursepro_integration' });
    const denied = await t.app.inject({ method: 'GET', url: '/v1/test-import', headers: { authorization: `Bearer ${key}` } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('permission_denied');
    const { key: importer } = await newKey({ purpose: 'import_members' });
    expect((await t.app.inject({ method: 'GET', url: '/v1/test-import', headers: { authorization: `Bearer ${importer}` } })).statusCode).toBe(200);
  });

  it('rate_limited with Retry-After when the key exceeds its limit per minute', async () => {
    const { key } = await newKey({ rateLimitPerMinute: 3 });
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await me(key)).statusCode);
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    const res = await me(key);
    expect(res.json().code).toBe('rate_limited');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.headers['ratelimit-remaining']).toBe('0');
  });

  it('ip_not_allowed outside the key allowlist (IPv4 and IPv6 CIDR)', async () => {
    const { key } = await newKey({ allowedIps: ['10.0.0.0/8', '2001:db8::/32'] });
    const from = (ip: string) => t.app.inject({ method: 'GET', url: '/v1/me', remoteAddress: ip, headers: { authorization: `Bearer ${key}` } });
    expect((await from('10.1.2.3')).statusCode).toBe(200);
    expect((await from('::ffff:10.1.2.3')).statusCode).toBe(200);
    expect((await from('2001:db8::1')).statusCode).toBe(200);
    const denied = await from('192.168.1.1');
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('ip_not_allowed');
    expect((await from('2001:db9::1')).json().code).toBe('ip_not_allowed');
  });

  it('an unexpected error is a bare 500 internal with no detail', async () => {
    const { key } = await newKey();
    const res = await t.app.inject({ method: 'GET', url: '/v1/test-boom', headers: { authorization: `Bearer ${key}` } });
    expect(res.statusCode).toBe(500);
    expect(res.json().code).toBe('internal');
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toContain('at ');
  });

  it('throttles repeated authentication failures from one address', async () => {
    const ip = '203.0.113.77';
    let last;
    for (let i = 0; i < 125; i++) last = await t.app.inject({ method: 'GET', url: '/v1/me', remoteAddress: ip, headers: { authorization: 'Bearer nope' } });
    expect(last?.statusCode).toBe(429);
    expect(last?.json().code).toBe('rate_limited');
  });

  it('records usage in batches: daily counts by outcome and last use', async () => {
    const { key, view } = await newKey();
    await me(key);
    await me(key);
    await t.deps.keys.revoke(envId, view.id, SYSTEM_ACTOR);
    await me(key);
    expect((await t.deps.keys.get(envId, view.id)).lastUsedAt).toBeNull();
    await t.deps.usage.flush();
    const usage = await t.deps.keys.usage(envId, view.id, 30);
    const today = usage.days[usage.days.length - 1];
    expect(today).toMatchObject({ date: '2026-06-15', ok: 2, failed: 1, byCode: { key_revoked: 1 } });
    expect((await t.deps.keys.get(envId, view.id)).lastUsedAt).toBe('2026-06-15T10:00:00.000Z');
  });
});
