import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers.js';
import { apiWorld, auth, type ApiWorld } from '../world.js';

describe('public API smoke', () => {
  let t: TestApp;
  let w: ApiWorld;
  beforeAll(async () => void ({ t, w } = await apiWorld()));
  afterAll(async () => t.close());

  it('serves every resource', async () => {
    const k = auth(w.keys.flow_api);
    for (const url of ['/v1/sites', '/v1/membership-types', '/v1/membership-types?integration=coursepro', '/v1/members', `/v1/members/${w.memberId}`, `/v1/members/${w.memberId}/memberships`, '/v1/memberships?integration=coursepro', `/v1/members/${w.memberId}/access-code`]) {
      const res = await t.app.inject({ method: 'GET', url, headers: k });
      expect(res.statusCode, `${url} ${res.body}`).toBe(200);
    }
    const doc = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(doc.statusCode, doc.body).toBe(200);
    expect(doc.json().paths['/v1/members'].get.description).toContain('members:read');
  });
});
