import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/kernel/key-format.js';
import { ADMIN, buildTestApp, type TestApp } from '../helpers.js';

describe('POST /v1/keys/revoke-leaked', () => {
  let t: TestApp;
  let s: { cookie: string; csrf: string };
  beforeAll(async () => {
    t = await buildTestApp({ config: { leakedReportsPerMinute: 5 } });
    s = await t.login(ADMIN.email, ADMIN.password);
  });
  afterAll(async () => t.close());

  let ip = 0;
  /** Each call from its own address unless told, so the per-address limit does not interfere. */
  function report(keys: unknown, remoteAddress = `198.51.100.${++ip}`) {
    return t.app.inject({ method: 'POST', url: '/v1/keys/revoke-leaked', payload: { keys }, remoteAddress });
  }
  async function createKey(reference = 'Leaky') {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/api-keys',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
      payload: { reference, purpose: 'flow_api', expiresOn: '2026-12-31' },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; key: string };
  }
  const me = (key: string) => t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${key}` } });

  it('revokes a live key without authentication, at once, and audits it as a public actor', async () => {
    const k = await createKey();
    expect((await me(k.key)).statusCode).toBe(200); // warm the verifier cache: revocation must still bite at once
    const res = await report([k.key]);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ status: 'accepted', received: 1 });
    expect(res.headers['ratelimit-limit']).toBe('5');
    const after = await me(k.key);
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe('key_revoked');
    const env = await t.deps.environments.get('demo');
    const events = await t.deps.audit.list({ environmentId: env.id, targetId: k.id, action: 'api_key.revoked' });
    expect(events.data).toHaveLength(1);
    expect(events.data[0].actor.type).toBe('public');
    expect(events.data[0].changes).toMatchObject({ reason: 'leaked' });
    expect(JSON.stringify(events.data[0])).not.toContain(k.key);
  });

  it('answers the same whether or not a key exists, and revokes nothing on an id match with the wrong secret', async () => {
    const k = await createKey('Innocent');
    const publicId = k.id.slice(4);
    const forged = generateKey(publicId).key; // right id, right checksum, wrong secret
    const unknown = generateKey().key;
    const answers = await Promise.all([report([forged]), report([unknown]), report(['not a key at all'])]);
    for (const a of answers) {
      expect(a.statusCode).toBe(202);
      expect(a.json()).toEqual({ status: 'accepted', received: 1 });
    }
    expect((await me(k.key)).statusCode).toBe(200);
    const env = await t.deps.environments.get('demo');
    expect((await t.deps.audit.list({ environmentId: env.id, targetId: k.id, action: 'api_key.revoked' })).data).toHaveLength(0);
  });

  it('reporting an already revoked key again changes nothing and answers the same', async () => {
    const k = await createKey('Twice');
    await report([k.key]);
    const again = await report([k.key, k.key]);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ status: 'accepted', received: 2 });
    const env = await t.deps.environments.get('demo');
    expect((await t.deps.audit.list({ environmentId: env.id, targetId: k.id, action: 'api_key.revoked' })).data).toHaveLength(1);
  });

  it('a leaked previous secret inside a roll grace period ends the grace and keeps the new secret', async () => {
    const k = await createKey('Rolled');
    const rolled = await t.app.inject({
      method: 'POST',
      url: `/admin/v1/api-keys/${k.id}/roll`,
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
      payload: { graceSeconds: 3600 },
    });
    expect(rolled.statusCode, rolled.body).toBe(200);
    const fresh = rolled.json().key as string;
    expect((await me(k.key)).statusCode).toBe(200);
    expect((await report([k.key])).statusCode).toBe(202);
    expect((await me(k.key)).json().code).toBe('key_invalid');
    expect((await me(fresh)).statusCode).toBe(200);
  });

  it('takes up to 1,000 keys a call, mixed with junk, and revokes each live one', async () => {
    const a = await createKey('Batch A');
    const b = await createKey('Batch B');
    const keys = [a.key, ...Array.from({ length: 997 }, () => generateKey().key), 'junk', b.key];
    expect(keys).toHaveLength(1000);
    const res = await report(keys);
    expect(res.statusCode, res.body).toBe(202);
    expect((await me(a.key)).json().code).toBe('key_revoked');
    expect((await me(b.key)).json().code).toBe('key_revoked');
  });

  it('refuses more than 1,000 keys, an empty list, other fields and non-JSON with a 4xx naming the field', async () => {
    const tooMany = await report(Array.from({ length: 1001 }, () => 'x'));
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().errors[0].path).toBe('keys');
    expect((await report([])).statusCode).toBe(400);
    const extra = await t.app.inject({ method: 'POST', url: '/v1/keys/revoke-leaked', payload: { keys: ['a'], admin: true }, remoteAddress: '198.51.100.250' });
    expect(extra.statusCode).toBe(400);
    const text = await t.app.inject({ method: 'POST', url: '/v1/keys/revoke-leaked', payload: '<keys/>', headers: { 'content-type': 'application/xml' }, remoteAddress: '198.51.100.251' });
    expect(text.statusCode).toBe(415);
    expect(text.headers['content-type']).toContain('application/problem+json');
  });

  it('is rate-limited per client address, with Retry-After', async () => {
    const addr = '203.0.113.77';
    for (let i = 0; i < 5; i++) expect((await report(['junk'], addr)).statusCode).toBe(202);
    const limited = await report(['junk'], addr);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await report(['junk'], '203.0.113.78')).statusCode).toBe(202);
  });

  it('is documented in the OpenAPI document as an unauthenticated operation', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const op = doc.paths['/v1/keys/revoke-leaked'].post;
    expect(op.security).toEqual([]);
    expect(op.description).toContain('flow_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}');
  });
});
