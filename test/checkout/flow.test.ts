import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, capturedLogs, fixedClock, type TestApp } from '../helpers.js';
import { DECLINED_REASON } from '../../src/checkout/test-provider.js';
import { cardForm, checkoutWorld, csrfOf, form } from './fixtures.js';

describe('hosted checkout flow (server-rendered forms)', () => {
  let t: TestApp;
  let w: Awaited<ReturnType<typeof checkoutWorld>>;
  let key: string;
  const clock = fixedClock('2026-06-15T10:00:00.000Z');

  beforeAll(async () => {
    t = await buildTestApp({ clock });
    w = await checkoutWorld(t);
    key = (await w.key({ theme: { primaryColour: '#1D4ED8', secondaryColour: '#F59E0B' } })).key;
  });
  afterAll(async () => t.close());

  async function open(body: Record<string, unknown> = {}) {
    const s = (await w.createSession(key, body)).json();
    const page = await t.app.inject({ method: 'GET', url: `/checkout/${s.id}` });
    return { id: s.id as string, page, csrf: csrfOf(page.body) };
  }
  const post = (id: string, action: string, fields: Record<string, string>) =>
    t.app.inject({ method: 'POST', url: `/checkout/${id}/${action}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(fields) });
  const session = async (id: string) => (await t.app.inject({ method: 'GET', url: `/v1/checkout/sessions/${id}`, headers: { authorization: `Bearer ${key}` } })).json();

  it('serves the page with a strict CSP, no inline script, and what is bought', async () => {
    const { page } = await open({ successUrl: 'https://shop.example.com/ok', cancelUrl: 'https://shop.example.com/no' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("img-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("form-action 'self' https://shop.example.com");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).not.toMatch(/<script|style=/i);
    expect(page.body).toContain('Adult Gym Membership');
    expect(page.body).toContain('Riverside Leisure Centre');
    expect(page.body).toContain('£32.00');
    expect(page.body).toContain('Recurring monthly');
    expect(page.body).toContain('value="Ada"');
    const theme = /href="(\/checkout\/assets\/theme-[^"]+)"/.exec(page.body)![1];
    expect(theme).toBe('/checkout/assets/theme-1D4ED8-F59E0B.css');
    const css = await t.app.inject({ method: 'GET', url: theme });
    expect(css.headers['content-type']).toContain('text/css');
    expect(css.headers['cache-control']).toContain('immutable');
    expect(css.body).toContain('--fc-primary:#1D4ED8');
    expect(css.body).toContain('--fc-on-primary:#FFFFFF');
  });

  it('describes fixed-term and one-off purchases', async () => {
    expect((await open({ membershipTypeId: w.fixed.id })).page.body).toContain('for 12 months');
    const oneOff = (await open({ membershipTypeId: w.oneOff.id })).page.body;
    expect(oneOff).toContain('One-off payment');
    expect(oneOff).not.toContain('Direct Debit');
  });

  it('shows server-side validation errors beside the fields and charges nothing', async () => {
    const { id, csrf } = await open();
    const res = await post(id, 'pay', { csrf, firstName: '', lastName: 'X', email: 'nope', method: 'card', cardNumber: '4242 4242 4242 4241', cardExpiry: '01/20', cardCvc: '12' });
    expect(res.statusCode).toBe(400);
    for (const f of ['firstName', 'email', 'terms', 'cardNumber', 'cardExpiry', 'cardCvc']) expect(res.body).toContain(`data-error-for="${f}"`);
    expect(res.body).not.toContain('4242 4242 4242 4241');
    expect((await session(id)).status).toBe('open');
  });

  it('refuses control characters in the customer fields: 400 naming each, on the API and on the page, charging nothing', async () => {
    const api = await w.createSession(key, { customer: { firstName: 'Ada\u0000', lastName: 'Love\u007Flace', email: 'ada@example.com' }, reference: 'ref\u0000' });
    expect(api.statusCode, api.body).toBe(400);
    expect(api.json().code).toBe('validation_failed');
    expect(api.json().errors.map((e: { path: string }) => e.path).sort()).toEqual(['customer.firstName', 'customer.lastName', 'reference']);
    const members = await w.memberCount();
    const { id, csrf } = await open();
    const res = await post(id, 'pay', cardForm(csrf, '4242 4242 4242 4242', { firstName: 'Ada\u0000', lastName: 'Love\u0007lace', phone: '0113\t496' }));
    expect(res.statusCode).toBe(400);
    for (const f of ['firstName', 'lastName', 'phone']) expect(res.body).toContain(`data-error-for="${f}"`);
    expect(res.body).not.toContain('\u0000');
    const dd = await post(id, 'pay', { csrf, firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', terms: 'yes', method: 'direct_debit', accountHolder: 'A\u0000 Lovelace', sortCode: '200000', accountNumber: '55779911', ddConfirm: 'yes' });
    expect(dd.statusCode).toBe(400);
    expect(dd.body).toContain('data-error-for="accountHolder"');
    expect((await session(id)).status).toBe('open');
    expect(await w.memberCount()).toBe(members);
  });

  it('pays by card: 303 to successUrl with session_id (query kept), member and active membership created once', async () => {
    const members = await w.memberCount();
    const { id, csrf } = await open({ customer: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' } });
    const res = await post(id, 'pay', cardForm(csrf, '4242 4242 4242 4242', { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' }));
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`https://app.example.com/done?x=1&session_id=${id}`);
    const s = await session(id);
    expect(s).toMatchObject({ status: 'completed', payment: { method: 'card', status: 'succeeded', cardLast4: '4242', provider: 'test' } });
    expect(s.memberId).toMatch(/^mem_/);
    expect(s.membershipId).toMatch(/^ms_/);
    const ms = await w.membershipsOf(s.memberId);
    expect(ms).toHaveLength(1);
    expect(ms[0]).toMatchObject({ id: s.membershipId, status: 'active', source: 'checkout', membershipTypeId: w.monthly.id, siteId: w.site.id, pricePence: 3200, startDate: '2026-06-15' });
    expect(await w.memberCount()).toBe(members + 1);
    // A member the checkout creates gets the session's site as home site (checked inside the completing transaction).
    expect((await t.deps.members.get(w.env.id, s.memberId)).homeSiteId).toBe(w.site.id);
    const viaApi = await t.app.inject({ method: 'GET', url: `/v1/members/${s.memberId}/memberships`, headers: { authorization: `Bearer ${key}` } });
    expect(viaApi.json().data.map((m: { id: string }) => m.id)).toEqual([s.membershipId]);

    // Reload / resubmit after success: same redirect, nothing new.
    const again = await post(id, 'pay', cardForm(csrf, '4242 4242 4242 4242', { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' }));
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toContain(`session_id=${id}`);
    expect(await w.membershipsOf(s.memberId)).toHaveLength(1);
    expect(await w.memberCount()).toBe(members + 1);

    // The completed session reopened: a clear page with the way back.
    const reopened = await t.app.inject({ method: 'GET', url: `/checkout/${id}` });
    expect(reopened.statusCode).toBe(200);
    expect(reopened.body).toContain('This checkout is complete');
    expect(reopened.body).toContain(`https://app.example.com/done?x=1&amp;session_id=${id}`);
    expect(reopened.body).not.toContain('name="cardNumber"');
  });

  it('completes exactly once when the form is submitted twice at the same time (real HTTP)', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = t.app.server.address() as { port: number };
    const { id, csrf } = await open({ customer: { firstName: 'Alan', lastName: 'Turing', email: 'alan@example.com' } });
    const before = await w.membershipCount();
    const body = form(cardForm(csrf, '4242424242424242', { firstName: 'Alan', lastName: 'Turing', email: 'alan@example.com' }));
    const send = () =>
      fetch(`http://127.0.0.1:${addr.port}/checkout/${id}/pay`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' });
    const answers = await Promise.all([send(), send(), send()]);
    for (const a of answers) {
      expect(a.status).toBe(303);
      expect(a.headers.get('location')).toBe(`https://app.example.com/done?x=1&session_id=${id}`);
    }
    expect(await w.membershipCount()).toBe(before + 1);
    expect(await t.deps.checkout.repo.countPayments(id)).toBe(1);
  });

  it('links an existing member named by the integration instead of creating one', async () => {
    const first = await open({ customer: { firstName: 'Mary', lastName: 'Somerville', email: 'mary@example.com' } });
    await post(first.id, 'pay', cardForm(first.csrf, '4242424242424242', { firstName: 'Mary', lastName: 'Somerville', email: 'mary@example.com' }));
    const memberId = (await session(first.id)).memberId as string;
    const members = await w.memberCount();
    const second = await open({ customer: { memberId } });
    expect(second.page.body).toContain('Buying for <strong>Mary Somerville</strong>');
    expect(second.page.body).not.toContain('name="firstName"');
    const res = await post(second.id, 'pay', { csrf: second.csrf, terms: 'yes', method: 'card', cardNumber: '4242424242424242', cardExpiry: '12/30', cardCvc: '123' });
    expect(res.statusCode).toBe(303);
    expect((await session(second.id)).memberId).toBe(memberId);
    expect(await w.memberCount()).toBe(members);
    expect(await w.membershipsOf(memberId)).toHaveLength(2);
  });

  it('links a new customer to an existing member only on the same email and name', async () => {
    const details = { firstName: 'Edith', lastName: 'Clarke', email: 'edith@example.com' };
    const a = await open({ customer: details });
    await post(a.id, 'pay', cardForm(a.csrf, '4242424242424242', details));
    const b = await open({ customer: { ...details, email: 'EDITH@example.com' } });
    await post(b.id, 'pay', cardForm(b.csrf, '4242424242424242', { ...details, email: 'EDITH@example.com' }));
    const c = await open({ customer: { ...details, firstName: 'Eddie' } });
    await post(c.id, 'pay', cardForm(c.csrf, '4242424242424242', { ...details, firstName: 'Eddie' }));
    const [sa, sb, sc] = await Promise.all([session(a.id), session(b.id), session(c.id)]);
    expect(sb.memberId).toBe(sa.memberId);
    expect(sc.memberId).not.toBe(sa.memberId);
  });

  it('shows the decline reason and creates nothing for 4000 0000 0000 0002', async () => {
    const { id, csrf } = await open({ customer: { firstName: 'Declan', lastName: 'Ined', email: 'declan@example.com' } });
    const members = await w.memberCount();
    const memberships = await w.membershipCount();
    const res = await post(id, 'pay', cardForm(csrf, '4000 0000 0000 0002', { firstName: 'Declan', lastName: 'Ined', email: 'declan@example.com' }));
    expect(res.statusCode).toBe(402);
    expect(res.body).toContain(DECLINED_REASON);
    expect(res.body).toContain('value="Declan"');
    expect(res.body).not.toContain('4000 0000 0000 0002');
    expect(await w.memberCount()).toBe(members);
    expect(await w.membershipCount()).toBe(memberships);
    expect(await t.deps.checkout.repo.countPayments(id)).toBe(0);
    expect((await session(id))).toMatchObject({ status: 'open', memberId: null, membershipId: null, payment: null });
    // The customer can try another card.
    const ok = await post(id, 'pay', cardForm(csrf, '4242 4242 4242 4242', { firstName: 'Declan', lastName: 'Ined', email: 'declan@example.com' }));
    expect(ok.statusCode).toBe(303);
  });

  it('asks for confirmation for 4000 0000 0000 3220, completing only once confirmed', async () => {
    const { id, csrf } = await open();
    const memberships = await w.membershipCount();
    const res = await post(id, 'pay', cardForm(csrf, '4000 0000 0000 3220'));
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/checkout/${id}/confirm`);
    const page = await t.app.inject({ method: 'GET', url: `/checkout/${id}/confirm` });
    expect(page.body).toContain('Confirm your payment');
    expect(await w.membershipCount()).toBe(memberships);
    const rejected = await post(id, 'confirm', { csrf, outcome: 'reject' });
    expect(rejected.statusCode).toBe(402);
    expect(rejected.body).toContain('not confirmed');
    expect(await w.membershipCount()).toBe(memberships);
    await post(id, 'pay', cardForm(csrf, '4000 0000 0000 3220'));
    const confirmed = await post(id, 'confirm', { csrf, outcome: 'approve' });
    expect(confirmed.statusCode).toBe(303);
    expect(confirmed.headers.location).toContain(`session_id=${id}`);
    expect(await session(id)).toMatchObject({ status: 'completed', payment: { status: 'succeeded', method: 'card' } });
    expect(await w.membershipCount()).toBe(memberships + 1);
  });

  it('direct debit: membership pending until the test mandate is confirmed through the API', async () => {
    const { id, csrf } = await open({ customer: { firstName: 'Dee', lastName: 'Dee', email: 'dd@example.com' } });
    const res = await post(id, 'pay', {
      csrf, firstName: 'Dee', lastName: 'Dee', email: 'dd@example.com', terms: 'yes', method: 'direct_debit',
      accountHolder: 'Dee Dee', sortCode: '20-00-00', accountNumber: '55779911', ddConfirm: 'yes',
    });
    expect(res.statusCode).toBe(303);
    const s = await session(id);
    expect(s).toMatchObject({ status: 'completed', payment: { method: 'direct_debit', status: 'pending' } });
    const mandateId = s.payment.mandateId as string;
    expect((await w.membershipsOf(s.memberId))[0].status).toBe('pending');
    // Another environment's key cannot confirm it.
    const other = await checkoutWorld(t, 'other-dd');
    const foreign = await t.app.inject({ method: 'POST', url: `/v1/checkout/test-provider/mandates/${mandateId}/confirm`, headers: { authorization: `Bearer ${(await other.key()).key}` } });
    expect(foreign.statusCode).toBe(404);
    const confirm = await t.app.inject({ method: 'POST', url: `/v1/checkout/test-provider/mandates/${mandateId}/confirm`, headers: { authorization: `Bearer ${key}` } });
    expect(confirm.statusCode).toBe(200);
    expect(confirm.json()).toMatchObject({ id: mandateId, status: 'active', checkoutSessionId: id });
    expect((await w.membershipsOf(s.memberId))[0].status).toBe('active');
    expect((await session(id)).payment.status).toBe('succeeded');
    const twice = await t.app.inject({ method: 'POST', url: `/v1/checkout/test-provider/mandates/${mandateId}/confirm`, headers: { authorization: `Bearer ${key}` } });
    expect(twice.statusCode).toBe(409);
  });

  it('direct debit validation and a failed mandate cancelling the pending membership', async () => {
    const { id, csrf } = await open();
    const bad = await post(id, 'pay', { ...cardForm(csrf), method: 'direct_debit', accountHolder: '', sortCode: '12', accountNumber: 'abc' });
    expect(bad.statusCode).toBe(400);
    for (const f of ['accountHolder', 'sortCode', 'accountNumber', 'ddConfirm']) expect(bad.body).toContain(`data-error-for="${f}"`);
    await post(id, 'pay', { ...cardForm(csrf), method: 'direct_debit', accountHolder: 'Ada L', sortCode: '200000', accountNumber: '55779911', ddConfirm: 'yes' });
    const s = await session(id);
    const fail = await t.app.inject({ method: 'POST', url: `/v1/checkout/test-provider/mandates/${s.payment.mandateId}/fail`, headers: { authorization: `Bearer ${key}` } });
    expect(fail.json().status).toBe('failed');
    expect((await t.deps.checkout.repo.findPayment(s.payment.id))?.status).toBe('failed');
    const ms = (await w.membershipsOf(s.memberId)).find((m) => m.id === s.membershipId);
    expect(ms?.status).toBe('cancelled');
    // Cancelled by the memberships service (its rule, its audit event), in the mandate's transaction.
    const events = await t.deps.audit.list({ environmentId: w.env.id, targetId: s.membershipId });
    expect(events.data.map((e) => [e.action, e.changes])).toContainEqual(['membership.cancelled', { from: 'pending' }]);
  });

  it('refuses a form without the right CSRF token (403 page, nothing charged)', async () => {
    const { id, csrf } = await open();
    const none = await post(id, 'pay', { ...cardForm(csrf), csrf: '' });
    expect(none.statusCode).toBe(403);
    expect(none.body).toContain('could not be verified');
    const wrong = await post(id, 'pay', { ...cardForm(csrf), csrf: csrf.slice(0, -2) + (csrf.endsWith('xx') ? 'yy' : 'xx') });
    expect(wrong.statusCode).toBe(403);
    const cancel = await post(id, 'cancel', { csrf: 'nope' });
    expect(cancel.statusCode).toBe(403);
    expect((await session(id)).status).toBe('open');
  });

  it('cancel: back to cancelUrl with session_id; the session is cancelled and cannot be paid', async () => {
    const { id, csrf } = await open();
    const res = await post(id, 'cancel', { csrf });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`https://app.example.com/cancelled?session_id=${id}`);
    expect((await session(id)).status).toBe('cancelled');
    const page = await t.app.inject({ method: 'GET', url: `/checkout/${id}` });
    expect(page.body).toContain('This checkout was cancelled');
    const pay = await post(id, 'pay', cardForm(csrf));
    expect(pay.statusCode).toBe(200);
    expect(pay.body).toContain('This checkout was cancelled');
  });

  it('expired sessions and tampered ids end on clear pages', async () => {
    const { id, csrf } = await open();
    clock.advance(24 * 3600 * 1000 + 1);
    try {
      const page = await t.app.inject({ method: 'GET', url: `/checkout/${id}` });
      expect(page.statusCode).toBe(410);
      expect(page.body).toContain('This checkout has expired');
      const pay = await post(id, 'pay', cardForm(csrf));
      expect(pay.statusCode).toBe(410);
      expect((await session(id)).status).toBe('expired');
    } finally {
      clock.set('2026-06-15T10:00:00.000Z');
    }
    for (const bad of [id.slice(0, -1) + (id.endsWith('a') ? 'b' : 'a'), 'cs_short', '%3Cscript%3E']) {
      const page = await t.app.inject({ method: 'GET', url: `/checkout/${bad}` });
      expect(page.statusCode).toBe(404);
      expect(page.body).toContain('Checkout not found');
      expect(page.body).not.toContain('<script>');
    }
    const tamperedPost = await post(id.slice(0, -1) + (id.endsWith('Z') ? 'Y' : 'Z'), 'pay', cardForm(csrf));
    expect(tamperedPost.statusCode).toBe(404);
  });

  it('a revoked key closes its open checkouts at once', async () => {
    const { key: k2, view } = await w.key({ reference: 'to revoke' });
    const s = (await w.createSession(k2)).json();
    const page = await t.app.inject({ method: 'GET', url: `/checkout/${s.id}` });
    expect(page.statusCode).toBe(200);
    const csrf = csrfOf(page.body);
    await t.deps.keys.revoke(w.env.id, view.id, { type: 'system', id: null, label: 'test', ip: null });
    const after = await t.app.inject({ method: 'GET', url: `/checkout/${s.id}` });
    expect(after.statusCode).toBe(410);
    expect(after.body).toContain('no longer available');
    const pay = await post(s.id, 'pay', cardForm(csrf));
    expect(pay.statusCode).toBe(410);
    expect(await t.deps.checkout.repo.countPayments(s.id)).toBe(0);
  });

  it('rejects oversized form bodies with an HTML page under the strict CSP', async () => {
    const { id, csrf } = await open();
    const res = await post(id, 'pay', { ...cardForm(csrf), pad: 'x'.repeat(20_000) });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.body).toContain('Form too large');
  });

  it('a payment provider outage ends on a clear 503 page, frees the session, and shows no internals', async () => {
    const { id, csrf } = await open();
    const provider = t.deps.checkout.service.provider;
    const original = provider.chargeCard;
    provider.chargeCard = async () => {
      throw new Error('ECONNRESET secret-internal-detail');
    };
    try {
      const res = await post(id, 'pay', cardForm(csrf));
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toContain('Something went wrong');
      expect(res.body).not.toContain('secret-internal-detail');
    } finally {
      provider.chargeCard = original;
    }
    const ok = await post(id, 'pay', cardForm(csrf));
    expect(ok.statusCode).toBe(303);
  });

  it('stops card testing: at most 10 payment attempts per session', async () => {
    const { id, csrf } = await open();
    for (let i = 0; i < 10; i++) expect((await post(id, 'pay', cardForm(csrf, '4000 0000 0000 0002'))).statusCode).toBe(402);
    const blocked = await post(id, 'pay', cardForm(csrf, '4242 4242 4242 4242'));
    expect(blocked.statusCode).toBe(429);
    expect(blocked.body).toContain('Too many payment attempts');
    expect((await session(id)).status).toBe('open');
  });

  it('never stores or logs card numbers, security codes or bank account numbers', async () => {
    const { id, csrf } = await open();
    await post(id, 'pay', cardForm(csrf, '4000 0000 0000 3220', { cardCvc: '987' }));
    await post(id, 'confirm', { csrf, outcome: 'approve' });
    const dd = await open();
    await post(dd.id, 'pay', { ...cardForm(dd.csrf), method: 'direct_debit', accountHolder: 'Ada L', sortCode: '200000', accountNumber: '31926819', ddConfirm: 'yes' });
    const db = t.deps.store.db;
    const stored = JSON.stringify([
      await db.selectFrom('checkout_sessions').selectAll().execute(),
      await db.selectFrom('payments').selectAll().execute(),
      await db.selectFrom('test_provider_mandates').selectAll().execute(),
      await db.selectFrom('audit_events').selectAll().execute(),
    ]);
    const logs = capturedLogs.join('');
    for (const secret of ['4242424242424242', '4242 4242 4242 4242', '4000000000003220', '4000 0000 0000 3220', '"987"', '31926819']) {
      expect(stored, secret).not.toContain(secret);
      expect(logs, secret).not.toContain(secret);
    }
    expect(stored).toContain('"card_last4":"3220"');
    expect(stored).toContain('"account_last4":"6819"');
  });
});
