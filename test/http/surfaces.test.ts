import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';
import { ADMIN, as, buildTestApp, demoEnvId, type TestApp } from '../helpers.js';

/** The three HTTP surfaces: each its own gate, security headers and not-found answer. */
describe('HTTP surfaces', () => {
  let t: TestApp;
  let env: string;
  beforeAll(async () => {
    t = await buildTestApp();
    env = await demoEnvId(t);
  });
  afterAll(async () => t?.close());

  const key = async (purpose: string, rateLimitPerMinute?: number) =>
    (await t.deps.keys.create(env, { reference: `Surface ${purpose} ${rateLimitPerMinute ?? ''}`.trim(), purpose, expiresOn: '2028-03-31', rateLimitPerMinute }, SYSTEM_ACTOR)).key;

  it('a wrong-purpose call spends no quota, and still reports the bucket in RateLimit-* headers', async () => {
    const limit = 5;
    // innovatise_bridge reads members and runs checkouts, but may not import members.
    const bridge = await key('innovatise_bridge', limit);
    const headers = { authorization: `Bearer ${bridge}` };
    const first = await t.app.inject({ method: 'GET', url: '/v1/me', headers });
    expect(first.statusCode).toBe(200);
    expect(first.headers['ratelimit-remaining']).toBe(String(limit - 1));
    for (let i = 0; i < limit + 2; i++) {
      const denied = await t.app.inject({ method: 'GET', url: '/v1/member-imports/imp_nope', headers });
      expect(denied.statusCode).toBe(403);
      expect(denied.json().code).toBe('permission_denied');
      expect(denied.headers['ratelimit-limit']).toBe(String(limit));
      expect(denied.headers['ratelimit-remaining']).toBe(String(limit - 1));
      expect(Number(denied.headers['ratelimit-reset'])).toBeGreaterThan(0);
    }
    const right = await t.app.inject({ method: 'GET', url: '/v1/me', headers });
    expect(right.statusCode).toBe(200);
    expect(right.headers['ratelimit-remaining']).toBe(String(limit - 2));
  });

  it('a wrong-purpose call on a fresh bucket reports the full quota', async () => {
    const bridge = await key('innovatise_bridge', 7);
    const denied = await t.app.inject({ method: 'POST', url: '/v1/attendance', headers: { authorization: `Bearer ${bridge}` }, payload: {} });
    expect(denied.statusCode).toBe(403);
    expect(denied.headers['ratelimit-limit']).toBe('7');
    expect(denied.headers['ratelimit-remaining']).toBe('7');
  });

  it('/v1: unknown paths authenticate first, then answer 404 problem+json, with the API headers', async () => {
    const anonymous = await t.app.inject({ method: 'GET', url: '/v1/no-such-thing' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('key_missing');
    expect(anonymous.headers['ratelimit-limit']).toBeDefined();
    const known = await t.app.inject({ method: 'GET', url: '/v1/no-such-thing', headers: { authorization: `Bearer ${await key('flow_api')}` } });
    expect(known.statusCode).toBe(404);
    expect(known.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(known.json()).toMatchObject({ code: 'not_found', detail: 'No route GET /v1/no-such-thing.' });
    expect(known.headers['ratelimit-remaining']).toBeDefined();
    for (const res of [anonymous, known]) {
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-request-id']).toMatch(/^req_/);
    }
  });

  it('/v1: the leaked-key report takes no key', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/keys/revoke-leaked', payload: { keys: ['not a key'] } });
    expect(res.statusCode).toBe(202);
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('/admin/v1: unknown paths need a session first, then answer 404 problem+json, with the API headers', async () => {
    const anonymous = await t.app.inject({ method: 'GET', url: '/admin/v1/no-such-thing' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('unauthenticated');
    const session = await t.login(ADMIN.email, ADMIN.password);
    const noCsrf = await t.app.inject({ method: 'POST', url: '/admin/v1/no-such-thing', headers: { cookie: session.cookie }, payload: {} });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().code).toBe('csrf_failed');
    const signedIn = await t.app.inject({ method: 'GET', url: '/admin/v1/no-such-thing', headers: as(session) });
    expect(signedIn.statusCode).toBe(404);
    expect(signedIn.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(signedIn.json()).toMatchObject({ code: 'not_found', detail: 'No route GET /admin/v1/no-such-thing.' });
    for (const res of [anonymous, noCsrf, signedIn]) {
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    }
    // The login route is open without a session.
    expect((await t.app.inject({ method: 'POST', url: '/admin/v1/session', payload: {} })).statusCode).toBe(400);
  });

  it('/checkout: pages need no gate and set their own CSP; unknown paths are 404 problem+json, not the console', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/checkout/cs_nope' });
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toMatch(/^default-src 'none'/);
    expect(page.headers['x-frame-options']).toBe('DENY');
    const unknown = await t.app.inject({ method: 'GET', url: '/checkout/cs_nope/no/such' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(unknown.json().code).toBe('not_found');
    expect(unknown.headers['x-content-type-options']).toBe('nosniff');
    expect(unknown.headers['ratelimit-limit']).toBeUndefined();
  });

  it('the root: operations endpoints with the API headers, any other GET the console with its own CSP', async () => {
    const health = await t.app.inject({ method: 'GET', url: '/health' });
    expect(health.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    const spa = await t.app.inject({ method: 'GET', url: '/keys/some/page' });
    expect(spa.statusCode).toBe(200);
    expect(spa.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(spa.headers['content-security-policy']).toMatch(/^default-src 'self'; script-src 'self'/);
    const post = await t.app.inject({ method: 'POST', url: '/keys/some/page', payload: {} });
    expect(post.statusCode).toBe(404);
    expect(post.json().code).toBe('not_found');
    // Paths of an API family never fall back to the console page.
    for (const url of ['/admin/other', '/logos/nope', '/assets/nope.js']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.headers['content-type'], url).toBe('application/problem+json; charset=utf-8');
    }
  });
});
