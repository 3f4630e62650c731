import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';
import { boundedCache } from '../../src/checkout/bounded-cache.js';
import type { FormFields } from '../../src/checkout/checkout-form.js';
import { renderCheckoutPage, renderForm } from '../../src/checkout/checkout.pages.js';
import type { CheckoutSessionRow } from '../../src/checkout/checkout.repository.js';
import type { CheckoutItem, PageModel } from '../../src/checkout/checkout.types.js';
import { escapeHtml } from '../../src/checkout/page-template.js';
import { buildTestApp, fixedClock, type TestApp } from '../helpers.js';
import { checkoutWorld } from './fixtures.js';

const HOSTILE = `<script>alert("x")</script> & 'quoted' fcslot0n1e`;

const ITEM: CheckoutItem = {
  membershipTypeId: 'mt_1',
  name: 'Adult Gym',
  siteName: 'Riverside',
  pricePence: 3200,
  joiningFeePence: 0,
  currency: 'GBP',
  paymentType: 'recurring',
  billingPeriod: 'month',
  durationMonths: null,
};

let n = 0;
function session(over: Partial<CheckoutSessionRow> = {}): CheckoutSessionRow {
  n++;
  return {
    id: `cs_${String(n).padStart(22, 'A')}`,
    environmentId: 'env_1',
    apiKeyId: 'key_1',
    status: 'open',
    membershipTypeId: 'mt_1',
    siteId: 'site_1',
    customerMemberId: null,
    customerFirstName: 'Ada',
    customerLastName: 'Lovelace',
    customerEmail: 'ada@example.com',
    successUrl: 'https://app.example.com/ok',
    cancelUrl: 'https://app.example.com/no',
    reference: `ref-${n}`,
    item: JSON.stringify(ITEM),
    amountPence: 3200,
    currency: 'GBP',
    operatorName: 'Riverside Leisure',
    logoSha256: null,
    primaryColour: null,
    secondaryColour: null,
    csrfToken: `csrf-token-${n}-${'x'.repeat(30)}`,
    attempt: 0,
    lockedUntil: null,
    pendingCustomer: null,
    memberId: null,
    membershipId: null,
    paymentId: null,
    expiresAt: '2026-06-16T10:00:00.000Z',
    completedAt: null,
    cancelledAt: null,
    createdAt: '2026-06-15T10:00:00.000Z',
    updatedAt: '2026-06-15T10:00:00.000Z',
    ...over,
  };
}

function model(s: CheckoutSessionRow, over: Partial<PageModel> = {}): PageModel {
  return { session: s, item: JSON.parse(s.item) as CheckoutItem, member: null, methods: ['card', 'direct_debit'], ...over };
}

const prefill = (s: CheckoutSessionRow): FormFields => ({ firstName: s.customerFirstName ?? '', lastName: s.customerLastName ?? '', email: s.customerEmail ?? '', method: 'card' });

describe('checkout form templates', () => {
  it('escape exactly as React does, in text and in attribute values', () => {
    for (const text of ['', 'plain', HOSTILE, '&&<<>>""\'\'', 'ünïcødé – £ 😀', '&amp; already', 'a"b\'c<d>e&f']) {
      expect(`<p>${escapeHtml(text)}</p>`).toBe(renderToStaticMarkup(createElement('p', null, text)));
      expect(`<input value="${escapeHtml(text)}"/>`).toBe(renderToStaticMarkup(createElement('input', { value: text, readOnly: true })).replace(' readOnly=""', ''));
    }
  });

  it('give the page React draws, for every kind of form and hostile text anywhere', () => {
    const cases: Array<[string, PageModel, FormFields]> = [];
    for (const s of [
      session(),
      session({ operatorName: `Leisure ${HOSTILE}`, logoSha256: 'a'.repeat(64), primaryColour: '#1D4ED8', secondaryColour: '#F59E0B' }),
      session({ customerFirstName: `"><script>alert(1)</script>`, customerLastName: `O'Brien <b>`, customerEmail: null }),
      session({ item: JSON.stringify({ ...ITEM, name: `Gym ${HOSTILE}`, siteName: HOSTILE, joiningFeePence: 1500, paymentType: 'fixed', billingPeriod: null, durationMonths: 12 }), amountPence: 4700, currency: 'EUR' }),
      session({ customerFirstName: null, customerLastName: null, customerEmail: null, operatorName: '' }),
    ]) {
      cases.push([`new customer ${s.id}`, model(s), prefill(s)]);
      cases.push([`card only ${s.id}`, model(s, { methods: ['card'] }), prefill(s)]);
      cases.push([`member ${s.id}`, model(s, { member: { firstName: `Ann ${HOSTILE}`, lastName: 'Lee', memberNumber: `M<1>` } }), prefill(s)]);
      // A form shown again without errors (as typed, boxes ticked, Direct Debit chosen).
      const typed = { ...prefill(s), phone: `07700 ${HOSTILE}`, dateOfBirth: '1990-01-01', cardExpiry: '12/30', accountHolder: HOSTILE, marketingOptIn: 'yes', terms: 'yes', ddConfirm: 'yes', method: 'direct_debit' };
      cases.push([`typed ${s.id}`, model(s), typed]);
    }
    for (const [name, m, values] of cases) {
      const expected = renderForm(m, values, {});
      // The first render compiles the shape's template, the second fills the cached one.
      expect(renderCheckoutPage(m, values, {}).toString('utf8'), name).toBe(expected);
      expect(renderCheckoutPage(m, values, {}).toString('utf8'), name).toBe(expected);
    }
  });

  it('keep every session its own: another session of the same shape shows its own id, token and customer', () => {
    const a = session();
    const b = session({ customerFirstName: 'Grace', customerLastName: 'Hopper', customerEmail: 'grace@example.com' });
    renderCheckoutPage(model(a), prefill(a), {});
    const page = renderCheckoutPage(model(b), prefill(b), {}).toString('utf8');
    expect(page).toBe(renderForm(model(b), prefill(b), {}));
    for (const leak of [a.id, a.csrfToken, 'Ada', 'ada@example.com']) expect(page).not.toContain(leak);
    for (const own of [`/checkout/${b.id}/pay`, `/checkout/${b.id}/cancel`, `value="${b.csrfToken}"`, 'value="Grace"', 'value="grace@example.com"']) expect(page).toContain(own);
  });

  it('draw a form with errors or an alert by React, as it is', () => {
    const s = session();
    const errors = { email: 'Enter an email address.' };
    expect(renderCheckoutPage(model(s), prefill(s), errors).toString('utf8')).toBe(renderForm(model(s), prefill(s), errors));
    expect(renderCheckoutPage(model(s), prefill(s), {}, 'Declined').toString('utf8')).toBe(renderForm(model(s), prefill(s), {}, 'Declined'));
  });

  it('are held in a bounded cache that drops the least recently used', () => {
    const cache = boundedCache<number>(2);
    let made = 0;
    const get = (k: string) => cache.get(k, () => ++made);
    expect([get('a'), get('b'), get('a')]).toEqual([1, 2, 1]);
    get('c'); // drops b, the least recently used
    expect(cache.size).toBe(2);
    expect([get('a'), get('c'), get('b')]).toEqual([1, 3, 4]);
  });
});

describe('hosted page after a theme change', () => {
  let t: TestApp;
  let w: Awaited<ReturnType<typeof checkoutWorld>>;

  beforeAll(async () => {
    t = await buildTestApp({ clock: fixedClock('2026-06-15T10:00:00.000Z') });
    w = await checkoutWorld(t, 'themes');
  });
  afterAll(async () => t?.close());

  const get = async (id: string) => (await t.app.inject({ method: 'GET', url: `/checkout/${id}` })).body;
  const themeOf = (html: string) => /\/checkout\/assets\/theme-([0-9A-F]{6}-[0-9A-F]{6})\.css/.exec(html)?.[1];
  const logoOf = (html: string) => /<img class="fc-logo-img" src="([^"]+)"/.exec(html)?.[1] ?? null;

  it('shows the new theme and logo at once on new sessions; open ones keep what they were created with', async () => {
    const created = await w.key({ reference: 'Rebrand', theme: { primaryColour: '#1D4ED8', secondaryColour: '#F59E0B' } });
    const before = (await w.createSession(created.key)).json().id as string;
    const first = await get(before);
    expect(themeOf(first)).toBe('1D4ED8-F59E0B');
    expect(await get(before)).toBe(first);

    const logoId = await w.logo('#00AA55');
    await t.deps.keys.update(w.env.id, created.view.id, { theme: { logoId, primaryColour: '#B42318', secondaryColour: '#0B4F57' } }, SYSTEM_ACTOR);
    const after = (await w.createSession(created.key)).json().id as string;
    const page = await get(after);
    expect(themeOf(page)).toBe('B42318-0B4F57');
    expect(logoOf(page)).toMatch(/^\/logos\//);
    expect(page).toContain(`/checkout/${after}/pay`);
    expect(page).not.toContain(before);
    // Fixed at creation (docs/checkout.md): the session opened before the change still shows the old theme.
    const again = await get(before);
    expect(themeOf(again)).toBe('1D4ED8-F59E0B');
    expect(logoOf(again)).toBeNull();
  });

});
