import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';
import { MATRIX, PURPOSES, grants, type Permission, type Purpose } from '../../src/kernel/permissions.js';
import type { TestApp } from '../helpers.js';
import { apiWorld, auth, type ApiWorld } from '../world.js';

/** One operation of the public API: how to call it validly, and with a body its schema rejects. */
interface Operation {
  name: string;
  permission: Permission;
  /** OpenAPI path template, to prove every documented operation is in this table. */
  path: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  request: (w: ApiWorld, t: TestApp, n: number, purpose: Purpose) => Promise<{ url: string; payload?: unknown; headers?: Record<string, string> }>;
  invalid?: { payload: unknown; headers?: Record<string, string> };
}

let counter = 0;
const OPERATIONS: Operation[] = [
  { name: 'list sites', permission: 'sites:read', method: 'GET', path: '/v1/sites', request: async () => ({ url: '/v1/sites' }) },
  { name: 'list membership types', permission: 'membership_types:read', method: 'GET', path: '/v1/membership-types', request: async () => ({ url: '/v1/membership-types?integration=coursepro' }) },
  { name: 'list members', permission: 'members:read', method: 'GET', path: '/v1/members', request: async () => ({ url: '/v1/members?limit=5' }) },
  { name: 'get member', permission: 'members:read', method: 'GET', path: '/v1/members/{id}', request: async (w) => ({ url: `/v1/members/${w.memberId}` }) },
  {
    name: 'create member',
    permission: 'members:write',
    method: 'POST',
    path: '/v1/members',
    request: async () => ({ url: '/v1/members', payload: { firstName: 'Matrix', lastName: 'Test', email: `matrix${++counter}@example.com` } }),
    invalid: { payload: { firstName: 42 } },
  },
  {
    name: 'update member',
    permission: 'members:write',
    method: 'PATCH',
    path: '/v1/members/{id}',
    request: async (w) => ({ url: `/v1/members/${w.memberId}`, payload: { phone: '0113 496 0001' } }),
    invalid: { payload: { email: 'not an email' } },
  },
  { name: 'member memberships', permission: 'memberships:read', method: 'GET', path: '/v1/members/{id}/memberships', request: async (w) => ({ url: `/v1/members/${w.memberId}/memberships` }) },
  { name: 'membership feed', permission: 'memberships:read', method: 'GET', path: '/v1/memberships', request: async () => ({ url: '/v1/memberships?integration=coursepro&updatedSince=2026-01-01T00:00:00Z' }) },
  { name: 'get membership', permission: 'memberships:read', method: 'GET', path: '/v1/memberships/{id}', request: async (w) => ({ url: `/v1/memberships/${w.activeMembershipId}` }) },
  {
    name: 'cancel membership',
    permission: 'memberships:write',
    method: 'POST',
    path: '/v1/memberships/{id}/cancel',
    request: async (w, t) => {
      const ms = await t.deps.memberships.create(w.env.id, { memberId: w.memberId, membershipTypeId: w.typeId, status: 'active', startDate: '2026-01-01', pricePence: 100, source: 'test' }, SYSTEM_ACTOR);
      return { url: `/v1/memberships/${ms.id}/cancel`, payload: { reason: 'moving away' } };
    },
    invalid: { payload: { reason: '' } },
  },
  {
    name: 'record attendance',
    permission: 'attendance:write',
    method: 'POST',
    path: '/v1/attendance',
    request: async (w) => ({ url: '/v1/attendance', payload: { records: [{ memberId: w.memberId, membershipTypeId: w.courseTypeId, sessionStart: '2026-06-01T17:00:00Z', status: 'present' }] } }),
    invalid: { payload: { records: [] } },
  },
  { name: 'access code', permission: 'access_codes:read', method: 'GET', path: '/v1/members/{id}/access-code', request: async (w) => ({ url: `/v1/members/${w.memberId}/access-code` }) },
  {
    name: 'start import',
    permission: 'members:import',
    method: 'POST',
    path: '/v1/member-imports',
    request: async (_w, _t, n) => ({ url: '/v1/member-imports?dryRun=true', payload: `first_name,last_name,email\nA,B,ab${n}@example.com\n`, headers: { 'content-type': 'text/csv' } }),
    invalid: { payload: 'name,surname\nA,B\n', headers: { 'content-type': 'text/csv' } },
  },
  { name: 'poll import', permission: 'members:import', method: 'GET', path: '/v1/member-imports/{id}', request: async (w) => ({ url: `/v1/member-imports/${importId.get(w.env.id)}` }) },
  { name: 'import errors', permission: 'members:import', method: 'GET', path: '/v1/member-imports/{id}/errors', request: async (w) => ({ url: `/v1/member-imports/${importId.get(w.env.id)}/errors` }) },
  { name: 'list webhook endpoints', permission: 'webhooks:manage', method: 'GET', path: '/v1/webhook-endpoints', request: async () => ({ url: '/v1/webhook-endpoints' }) },
  {
    name: 'create webhook endpoint',
    permission: 'webhooks:manage',
    method: 'POST',
    path: '/v1/webhook-endpoints',
    request: async () => ({ url: '/v1/webhook-endpoints', payload: { url: 'https://hooks.example.com/matrix', events: ['api_key.revoked'] } }),
    invalid: { payload: { url: 42, events: ['api_key.revoked'] } },
  },
  { name: 'get webhook endpoint', permission: 'webhooks:manage', method: 'GET', path: '/v1/webhook-endpoints/{id}', request: async (w, t, _n, p) => ({ url: `/v1/webhook-endpoints/${await endpointOf(w, t, p)}` }) },
  {
    name: 'update webhook endpoint',
    permission: 'webhooks:manage',
    method: 'PATCH',
    path: '/v1/webhook-endpoints/{id}',
    request: async (w, t, _n, p) => ({ url: `/v1/webhook-endpoints/${await endpointOf(w, t, p)}`, payload: { status: 'paused' } }),
    invalid: { payload: { status: 'nope' } },
  },
  { name: 'delete webhook endpoint', permission: 'webhooks:manage', method: 'DELETE', path: '/v1/webhook-endpoints/{id}', request: async (w, t, _n, p) => ({ url: `/v1/webhook-endpoints/${await endpointOf(w, t, p)}` }) },
  { name: 'roll webhook secret', permission: 'webhooks:manage', method: 'POST', path: '/v1/webhook-endpoints/{id}/roll-secret', request: async (w, t, _n, p) => ({ url: `/v1/webhook-endpoints/${await endpointOf(w, t, p)}/roll-secret` }) },
  { name: 'send webhook test event', permission: 'webhooks:manage', method: 'POST', path: '/v1/webhook-endpoints/{id}/test', request: async (w, t, _n, p) => ({ url: `/v1/webhook-endpoints/${await endpointOf(w, t, p)}/test` }) },
];
const importId = new Map<string, string>();

/** A new webhook endpoint of the purpose's key (every purpose holds webhooks:manage and may receive its own key's events). */
async function endpointOf(w: ApiWorld, t: TestApp, purpose: Purpose): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: auth(w.keys[purpose]), payload: { url: 'https://hooks.example.com/matrix', events: ['api_key.expiring'] } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

describe('purpose × operation matrix (generated from MATRIX)', () => {
  let t: TestApp;
  let w: ApiWorld;
  beforeAll(async () => {
    // Webhook URLs are not resolved here (no DNS in tests): the address rules are tested in test/webhooks.
    ({ t, w } = await apiWorld('flow_api', { config: { webhookAllowPrivate: true } }));
    const { Readable } = await import('node:stream');
    const job = await t.deps.imports.accept(w.env.id, null, 'csv', Readable.from(['first_name,last_name,email\nX,Y,bad\n']), true);
    importId.set(w.env.id, job.id);
    await t.deps.imports.whenIdle();
  });
  afterAll(async () => t.close());

  it('covers every documented /v1 operation that needs a permission', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { description?: string }>> };
    const documented: string[] = [];
    for (const [p, methods] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(methods)) {
        const match = /\*\*Permission:\*\* `([a-z_:]+)`/.exec(op.description ?? '');
        if (p.startsWith('/v1/') && match && !match[1].startsWith('checkout')) documented.push(`${m.toUpperCase()} ${p} ${match[1]}`);
      }
    }
    const table = OPERATIONS.map((o) => `${o.method} ${o.path} ${o.permission}`);
    expect(documented.sort()).toEqual(table.sort());
  });

  it('documents the purposes holding each permission, from the matrix', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { description?: string }>> };
    const desc = doc.paths['/v1/attendance'].post.description ?? '';
    for (const p of PURPOSES) expect(desc.includes(`\`${p}\``)).toBe(MATRIX['attendance:write'].includes(p));
  });

  let n = 0;
  for (const op of OPERATIONS) {
    for (const purpose of PURPOSES) {
      const granted = grants(purpose, op.permission);
      it(`${purpose} → ${op.name}: ${granted ? '2xx' : '403 permission_denied'}`, async () => {
        const req = await op.request(w, t, ++n, purpose);
        if (granted) {
          const res = await t.app.inject({ method: op.method, url: req.url, payload: req.payload as string, headers: { ...auth(w.keys[purpose]), ...req.headers } });
          expect(res.statusCode, res.body).toBeGreaterThanOrEqual(200);
          expect(res.statusCode, res.body).toBeLessThan(300);
          if (op.invalid) {
            const bad = await t.app.inject({ method: op.method, url: req.url, payload: op.invalid.payload as string, headers: { ...auth(w.keys[purpose]), ...op.invalid.headers } });
            expect(bad.statusCode, bad.body).toBe(400);
            expect(bad.json().code).toBe('validation_failed');
          }
        } else {
          // An invalid body proves the permission is checked before the body is validated.
          const payload = op.invalid?.payload ?? req.payload;
          const res = await t.app.inject({ method: op.method, url: req.url, payload: payload as string, headers: { ...auth(w.keys[purpose]), ...(op.invalid?.headers ?? req.headers) } });
          expect(res.statusCode, res.body).toBe(403);
          expect(res.json().code).toBe('permission_denied');
          expect(res.headers['content-type']).toContain('application/problem+json');
        }
      });
    }
  }
});
