import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, buildTestApp, type TestApp } from '../helpers.js';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('creates a key in the admin API and uses it on /v1/me', async () => {
    const s = await t.login(ADMIN.email, ADMIN.password);
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/api-keys',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
      payload: { reference: 'CoursePro', purpose: 'coursepro_integration', expiresOn: '2026-12-31' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const me = await t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${res.json().key}` } });
    expect(me.statusCode, me.body).toBe(200);
    expect(me.json().key.purpose).toBe('coursepro_integration');
    expect(me.headers['ratelimit-limit']).toBeDefined();
  });
});
