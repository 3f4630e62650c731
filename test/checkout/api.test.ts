import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, fixedClock, type TestApp } from '../helpers.js';
import { checkoutWorld } from './fixtures.js';

describe('checkout sessions API', () => {
  let t: TestApp;
  let w: Awaited<ReturnType<typeof checkoutWorld>>;
  let key: string;
  const clock = fixedClock('2026-06-15T10:00:00.000Z');

  beforeAll(async () => {
    t = await buildTestApp({ clock });
    w = await checkoutWorld(t);
    key = (await w.key({ theme: { primaryColour: '#1d4ed8', secondaryColour: '#f59e0b', logoId: await w.logo() } })).key;
  });
  afterAll(async () => t.close());

  const get = (id: string, k = key) => t.app.inject({ method: 'GET', url: `/v1/checkout/sessions/${id}`, headers: { authorization: `Bearer ${k}` } });

  it('creates an open session with an unguessable id, a hosted url and a 24-hour expiry', async () => {
    const res = await w.createSession(key, { reference: 'order-17' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.id).toMatch(/^cs_[0-9A-Za-z]{22}$/);
    expect(body).toMatchObject({ status: 'open', reference: 'order-17', amountPence: 3200, currency: 'GBP', memberId: null, membershipId: null, payment: null });
    expect(body.url).toMatch(new RegExp(`^http://localhost(:80)?/checkout/${body.id}$`));
    expect(body.expiresAt).toBe('2026-06-16T10:00:00.000Z');
    expect(res.headers['ratelimit-limit']).toBeDefined();
    const again = await get(body.id);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: body.id, status: 'open' });
  });

  it('rejects bad redirect URLs with 400 naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ successUrl: 'http://shop.example.com/done' }, 'successUrl'],
      [{ cancelUrl: 'javascript:alert(1)' }, 'cancelUrl'],
      [{ successUrl: 'not a url' }, 'successUrl'],
      [{ successUrl: 'https://user:pw@app.example.com/' }, 'successUrl'],
      [{ cancelUrl: '//evil.example/' }, 'cancelUrl'],
    ];
    for (const [body, path] of cases) {
      const res = await w.createSession(key, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().code).toBe('validation_failed');
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    const local = await w.createSession(key, { successUrl: 'http://localhost:5173/done', cancelUrl: 'http://127.0.0.1:8080/x' });
    expect(local.statusCode).toBe(201);
  });

  it('allows only the allowlisted origins when the key lists some', async () => {
    const restricted = (await w.key({ allowedRedirectOrigins: ['https://app.example.com'] })).key;
    const other = await w.createSession(restricted, { successUrl: 'https://evil.example.com/done' });
    expect(other.statusCode).toBe(400);
    expect(other.json().errors[0]).toMatchObject({ path: 'successUrl' });
    expect(other.json().errors[0].message).toContain('https://app.example.com');
    const ok = await w.createSession(restricted);
    expect(ok.statusCode).toBe(201);
  });

  it('validates what is bought and for whom', async () => {
    const bad = await w.createSession(key, { membershipTypeId: 'mt_nope', siteId: 'site_nope', customer: { firstName: 'A' } });
    expect(bad.statusCode).toBe(400);
    const paths = bad.json().errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['membershipTypeId', 'siteId', 'customer.lastName', 'customer.email']));
    const unknownMember = await w.createSession(key, { customer: { memberId: 'mem_doesnotexist00000' } });
    expect(unknownMember.statusCode).toBe(400);
    expect(unknownMember.json().errors[0].path).toBe('customer.memberId');
    const extra = await w.createSession(key, { price: 1 });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().errors[0].path).toBe('price');
  });

  it('needs checkout:write (import_members keys cannot) and a key at all', async () => {
    const importer = (await w.key({ purpose: 'import_members' })).key;
    const res = await w.createSession(importer);
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('permission_denied');
    const none = await t.app.inject({ method: 'POST', url: '/v1/checkout/sessions', payload: {} });
    expect(none.json().code).toBe('key_missing');
  });

  it("answers 404 for another environment's session and for tampered ids", async () => {
    const id = (await w.createSession(key)).json().id as string;
    const other = await checkoutWorld(t, 'other');
    const otherKey = (await other.key()).key;
    const res = await get(id, otherKey);
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('not_found');
    const tampered = id.slice(0, -1) + (id.endsWith('A') ? 'B' : 'A');
    expect((await get(tampered)).statusCode).toBe(404);
    expect((await get('cs_../../etc')).statusCode).toBe(404);
    // Another environment's membership type or site cannot be sold either.
    const cross = await other.createSession(otherKey, { membershipTypeId: w.monthly.id, siteId: w.site.id });
    expect(cross.statusCode).toBe(400);
  });

  it('reports expired after 24 hours (fixed clock)', async () => {
    const id = (await w.createSession(key)).json().id as string;
    clock.advance(24 * 3600 * 1000);
    try {
      expect((await get(id)).json().status).toBe('expired');
    } finally {
      clock.set('2026-06-15T10:00:00.000Z');
    }
    // Once seen expired, the session is stored expired (its checkout.session.expired event claimed once):
    // it stays expired even with the clock set back.
    expect((await get(id)).json().status).toBe('expired');
  });

  it('the scheduler stores unread sessions past their expiry as expired (so their event is sent without a reader)', async () => {
    const id = (await w.createSession(key)).json().id as string;
    const raw = async () => (await t.deps.checkout.repo.findById(id))?.status;
    expect(await raw()).toBe('open');
    expect(await t.deps.checkout.service.expireDue()).toBe(0);
    clock.advance(24 * 3600 * 1000);
    try {
      expect(t.deps.scheduler.names()).toContain('checkout expiry');
      expect(await t.deps.checkout.service.expireDue()).toBeGreaterThanOrEqual(1);
      expect(await raw()).toBe('expired');
      // Claimed once: a second sweep finds nothing more to expire for it.
      expect(await t.deps.checkout.service.expireDue()).toBe(0);
    } finally {
      clock.set('2026-06-15T10:00:00.000Z');
    }
  });

  it('honours Idempotency-Key: same key and body replays the first session, another body is 409', async () => {
    const headers = { authorization: `Bearer ${key}`, 'idempotency-key': 'order-991' };
    const payload = { membershipTypeId: w.monthly.id, siteId: w.site.id, customer: { firstName: 'Ida', lastName: 'Em', email: 'ida@example.com' }, successUrl: 'https://app.example.com/ok', cancelUrl: 'https://app.example.com/no' };
    const first = await t.app.inject({ method: 'POST', url: '/v1/checkout/sessions', headers, payload });
    const again = await t.app.inject({ method: 'POST', url: '/v1/checkout/sessions', headers, payload });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json().id).toBe(first.json().id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const other = await t.app.inject({ method: 'POST', url: '/v1/checkout/sessions', headers, payload: { ...payload, reference: 'different' } });
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('conflict');
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/checkout/sessions', '/v1/checkout/sessions/{id}']));
  });
});

describe('checkout session url with FLOW_PUBLIC_URL', () => {
  it('uses the configured public base URL, not the request Host', async () => {
    const t = await buildTestApp({ config: { publicUrl: 'https://pay.example.com/' } });
    try {
      const w = await checkoutWorld(t);
      const res = await w.createSession((await w.key()).key);
      expect(res.json().url).toBe(`https://pay.example.com/checkout/${res.json().id}`);
    } finally {
      await t.close();
    }
  });
});
