import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPublicApi } from '../../src/public-api/demo-seed.js';
import { ADMIN, as, buildTestApp, type TestApp } from '../helpers.js';

describe('response compression', () => {
  let t: TestApp;
  let key: string;
  let admin: { cookie: string; csrf: string };
  beforeAll(async () => {
    t = await buildTestApp();
    await seedPublicApi(t.deps, await t.deps.environments.get('demo'));
    admin = await t.login(ADMIN.email, ADMIN.password);
    const res = await t.app.inject({ method: 'POST', url: '/admin/v1/api-keys', headers: as(admin), payload: { reference: 'zip', purpose: 'flow_api', expiresOn: '2027-01-01' } });
    key = res.json().key;
  });
  afterAll(() => t.close());

  it('compresses a JSON page above 1 KB (br or gzip as asked) and leaves small answers and /v1/me alone', async () => {
    for (const enc of ['br', 'gzip']) {
      const res = await t.app.inject({ url: '/v1/members?limit=100', headers: { authorization: `Bearer ${key}`, 'accept-encoding': enc } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding']).toBe(enc);
      expect(res.headers.vary).toContain('accept-encoding');
    }
    const small = await t.app.inject({ url: '/v1/sites?limit=1', headers: { authorization: `Bearer ${key}`, 'accept-encoding': 'gzip' } });
    expect(small.headers['content-encoding']).toBeUndefined();
    const me = await t.app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${key}`, 'accept-encoding': 'gzip' } });
    expect(me.headers['content-encoding']).toBeUndefined();
    expect(me.json().key.purpose).toBe('flow_api');
  });

  it('never compresses a Cache-Control: no-store answer (a secret next to caller-chosen text: BREACH)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/api-keys',
      headers: { ...as(admin), 'accept-encoding': 'gzip, br' },
      payload: { reference: 'caller-chosen text', purpose: 'flow_api', expiresOn: '2027-01-01', allowedRedirectOrigins: Array.from({ length: 20 }, (_, i) => `https://shop-number-${i}.example`), allowedIps: Array.from({ length: 40 }, (_, i) => `203.0.113.${i}`) },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.body.length).toBeGreaterThan(1024);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.json().key).toMatch(/^flow_/);
  });

  it('does not decompress request bodies (an import is bounded by what the client sends)', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/members', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: 'not gzip' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });
});
