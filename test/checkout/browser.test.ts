import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, fixedClock, type TestApp } from '../helpers.js';
import { DECLINED_REASON } from '../../src/checkout/test-provider.js';
import { CHECKOUT_CSS } from '../../src/checkout/checkout-css.js';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { CheckoutPreviewCard } from '../../src/checkout/checkout-components.js';
import { FLOW_PRIMARY } from '../../src/checkout/theme.js';
import { checkoutWorld } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`checkout browser tests skipped: Chromium not found at ${CHROMIUM}`);

const SCREENSHOT = path.resolve('test-results/screenshots/checkout-themed.png');

/** rgb(…) as Chromium reports computed colours. */
function rgb(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}

/** A computed style property of the first element matching `selector` (evaluated in the page). */
function computed(p: Page, selector: string, prop: string): Promise<string> {
  return p.evaluate<string>(`getComputedStyle(document.querySelector(${JSON.stringify(selector)}))[${JSON.stringify(prop)}]`);
}

describe.skipIf(!hasChromium)('hosted checkout in Chromium', () => {
  let t: TestApp;
  let w: Awaited<ReturnType<typeof checkoutWorld>>;
  let browser: Browser;
  let base: string;
  let integration: http.Server;
  let integrationOrigin: string;
  let key: string;
  const cspViolations: string[] = [];
  const clock = fixedClock('2026-06-15T10:00:00.000Z');

  beforeAll(async () => {
    t = await buildTestApp({ clock });
    w = await checkoutWorld(t);
    key = (await w.key({ reference: 'Innovatise app', theme: { primaryColour: '#1D4ED8', secondaryColour: '#F59E0B', logoId: await w.logo('#FF6600') } })).key;
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    // The integration's own site: another origin (another port), where the customer is sent back to.
    integration = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<h1>Integration</h1><p>${req.url}</p>`));
    await new Promise<void>((r) => integration.listen(0, '127.0.0.1', r));
    integrationOrigin = `http://localhost:${(integration.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => integration?.close(r));
    await t?.close();
  });

  async function newSession(apiKey = key, body: Record<string, unknown> = {}) {
    const res = await w.createSession(apiKey, {
      successUrl: `${integrationOrigin}/done?from=checkout`,
      cancelUrl: `${integrationOrigin}/cancelled`,
      customer: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
      ...body,
    });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; url: string };
  }

  async function page(): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 720, height: 1100 }, locale: 'en-GB' });
    const p = await ctx.newPage();
    p.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    return p;
  }

  async function fillCard(p: Page, card: string) {
    await p.fill('#f-cardNumber', card);
    await p.fill('#f-cardExpiry', '12/30');
    await p.fill('#f-cardCvc', '123');
    await p.check('#f-terms');
  }

  it('paints the header and main button in the key primary colour, shows the logo, and saves a screenshot', async () => {
    const s = await newSession();
    const p = await page();
    await p.goto(`${base}/checkout/${s.id}`);
    const styles = {
      headerBg: await computed(p, '[data-part=header]', 'backgroundColor'),
      headerFg: await computed(p, '[data-part=header]', 'color'),
      headerBorder: await computed(p, '[data-part=header]', 'borderBottomColor'),
      buttonBg: await computed(p, '[data-part=button]', 'backgroundColor'),
      buttonFg: await computed(p, '[data-part=button]', 'color'),
      logoLoaded: await p.evaluate<boolean>('(() => { const i = document.querySelector(".fc-logo-img"); return i.complete && i.naturalWidth > 0; })()'),
      logoSrc: await p.getAttribute('.fc-logo-img', 'src'),
    };
    expect(styles.headerBg).toBe(rgb('#1D4ED8'));
    expect(styles.buttonBg).toBe(rgb('#1D4ED8'));
    expect(styles.headerFg).toBe(rgb('#FFFFFF'));
    expect(styles.buttonFg).toBe(rgb('#FFFFFF'));
    expect(styles.headerBorder).toBe(rgb('#F59E0B'));
    expect(styles.logoLoaded).toBe(true);
    expect(styles.logoSrc).toMatch(/^\/logos\/[0-9a-f]{64}\.png$/);
    await expect(p.textContent('[data-testid=item-name]')).resolves.toBe('Adult Gym Membership');
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await p.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(1000);
    expect(cspViolations).toEqual([]);
    await p.context().close();
  });

  it('chooses black text on a light primary colour and falls back to the FLOW theme without one', async () => {
    const light = (await w.key({ theme: { primaryColour: '#FFE14D' } })).key;
    const plain = (await w.key()).key;
    const p = await page();
    await p.goto(`${base}/checkout/${(await newSession(light)).id}`);
    expect(await computed(p, '[data-part=button]', 'color')).toBe(rgb('#000000'));
    await p.goto(`${base}/checkout/${(await newSession(plain)).id}`);
    expect(await computed(p, '[data-part=header]', 'backgroundColor')).toBe(rgb(FLOW_PRIMARY));
    expect(await p.locator('.fc-logo-initial').textContent()).toBe('D');
    await p.context().close();
  });

  it('the console preview (same markup and stylesheet) paints header and button like the real page', async () => {
    const s = await newSession();
    const p = await page();
    await p.goto(`${base}/checkout/${s.id}`);
    const real = [await computed(p, '[data-part=header]', 'backgroundColor'), await computed(p, '[data-part=button]', 'backgroundColor'), await computed(p, '[data-part=button]', 'color')];
    const preview = renderToStaticMarkup(createElement(CheckoutPreviewCard, { logoUrl: null, primaryColour: '#1d4ed8', secondaryColour: '#f59e0b', operatorName: 'Demo' }));
    await p.context().close();
    // As the console renders it (its CSP allows inline styles): the stylesheet in a <style> element, the variables on the root element.
    const c = await browser.newPage();
    await c.setContent(`<style>${CHECKOUT_CSS}</style>${preview}`);
    expect([await computed(c, '[data-part=header]', 'backgroundColor'), await computed(c, '[data-part=button]', 'backgroundColor'), await computed(c, '[data-part=button]', 'color')]).toEqual(real);
    await c.close();
  });

  it('pays with 4242…: back on successUrl with session_id, membership created once despite a double click', async () => {
    const s = await newSession(key, { customer: { firstName: 'Katherine', lastName: 'Johnson', email: 'kj@example.com' } });
    const p = await page();
    await p.goto(s.url.replace(/^http:\/\/[^/]+/, base));
    expect(await p.inputValue('#f-firstName')).toBe('Katherine');
    await fillCard(p, '4242 4242 4242 4242');
    // The second click's submission aborts the first navigation: wait for where the page ends up, not for one navigation.
    await p.dblclick('[data-testid=pay]', { noWaitAfter: true });
    await expect.poll(() => p.url().startsWith(`${integrationOrigin}/done`), { timeout: 15_000 }).toBe(true);
    const url = new URL(p.url());
    expect(url.searchParams.get('session_id')).toBe(s.id);
    expect(url.searchParams.get('from')).toBe('checkout');
    const view = (await t.app.inject({ method: 'GET', url: `/v1/checkout/sessions/${s.id}`, headers: { authorization: `Bearer ${key}` } })).json();
    expect(view.status).toBe('completed');
    // The membership appears through the public API, once.
    const list = await t.app.inject({ method: 'GET', url: `/v1/members/${view.memberId}/memberships`, headers: { authorization: `Bearer ${key}` } });
    expect(list.statusCode).toBe(200);
    expect(list.json().data).toHaveLength(1);
    expect(list.json().data[0]).toMatchObject({ id: view.membershipId, status: 'active', membershipTypeId: w.monthly.id, siteId: w.site.id });
    const member = (await t.app.inject({ method: 'GET', url: `/v1/members/${view.memberId}`, headers: { authorization: `Bearer ${key}` } })).json();
    expect(member).toMatchObject({ firstName: 'Katherine', lastName: 'Johnson', email: 'kj@example.com' });
    expect(member.memberNumber).toMatch(/^M\d{7}$/);
    // Back button / reopening the link: a clear "complete" page, no second form.
    await p.goto(`${base}/checkout/${s.id}`);
    await expect(p.textContent('[data-testid=state]')).resolves.toContain('complete');
    expect(await p.locator('#f-cardNumber').count()).toBe(0);
    expect(cspViolations).toEqual([]);
    await p.context().close();
  });

  it('shows the decline reason beside the form and creates nothing', async () => {
    const s = await newSession(key, { customer: { firstName: 'Dora', lastName: 'Decline', email: 'dora@example.com' } });
    const before = await w.membershipCount();
    const members = await w.memberCount();
    const p = await page();
    await p.goto(`${base}/checkout/${s.id}`);
    await fillCard(p, '4000 0000 0000 0002');
    await Promise.all([p.waitForURL(`${base}/checkout/${s.id}/pay`), p.click('[data-testid=pay]')]);
    await expect(p.textContent('[data-testid=alert]')).resolves.toContain(DECLINED_REASON);
    expect(await p.inputValue('#f-cardNumber')).toBe('');
    await p.screenshot({ path: path.join(path.dirname(SCREENSHOT), 'checkout-declined.png') });
    expect(await w.membershipCount()).toBe(before);
    expect(await w.memberCount()).toBe(members);
    await p.context().close();
  });

  it('shows validation errors beside the fields', async () => {
    const s = await newSession();
    const p = await page();
    await p.goto(`${base}/checkout/${s.id}`);
    await p.fill('#f-email', 'not-an-email');
    await Promise.all([p.waitForURL(`${base}/checkout/${s.id}/pay`), p.click('[data-testid=pay]')]);
    await expect(p.textContent('[data-error-for=email]')).resolves.toContain('email address');
    await expect(p.textContent('[data-error-for=terms]')).resolves.toContain('terms');
    expect(await p.getAttribute('#f-email', 'aria-invalid')).toBe('true');
    await p.context().close();
  });

  it('confirmation step (4000 0000 0000 3220) and direct debit (pending until confirmed)', async () => {
    const s = await newSession();
    const p = await page();
    await p.goto(`${base}/checkout/${s.id}`);
    await fillCard(p, '4000 0000 0000 3220');
    await Promise.all([p.waitForURL(`${base}/checkout/${s.id}/confirm`), p.click('[data-testid=pay]')]);
    await Promise.all([p.waitForURL(`${integrationOrigin}/done**`), p.click('[data-testid=confirm]')]);

    const dd = await newSession(key, { customer: { firstName: 'Debbie', lastName: 'Debit', email: 'debbie@example.com' } });
    await p.goto(`${base}/checkout/${dd.id}`);
    await p.check('#method-direct_debit');
    expect(await p.isVisible('#f-cardNumber')).toBe(false);
    await p.fill('#f-accountHolder', 'Debbie Debit');
    await p.fill('#f-sortCode', '20-00-00');
    await p.fill('#f-accountNumber', '55779911');
    await p.check('#f-ddConfirm');
    await p.check('#f-terms');
    await Promise.all([p.waitForURL(`${integrationOrigin}/done**`), p.click('[data-testid=pay]')]);
    const view = (await t.app.inject({ method: 'GET', url: `/v1/checkout/sessions/${dd.id}`, headers: { authorization: `Bearer ${key}` } })).json();
    expect((await w.membershipsOf(view.memberId))[0].status).toBe('pending');
    await t.app.inject({ method: 'POST', url: `/v1/checkout/test-provider/mandates/${view.payment.mandateId}/confirm`, headers: { authorization: `Bearer ${key}` } });
    expect((await w.membershipsOf(view.memberId))[0].status).toBe('active');
    await p.context().close();
  });

  it('cancel returns to cancelUrl; expired, tampered and other-environment cases end cleanly', async () => {
    const p = await page();
    const c = await newSession();
    await p.goto(`${base}/checkout/${c.id}`);
    await Promise.all([p.waitForURL(`${integrationOrigin}/cancelled**`), p.click('[data-testid=cancel]')]);
    expect(new URL(p.url()).searchParams.get('session_id')).toBe(c.id);

    const e = await newSession();
    clock.advance(24 * 3600 * 1000 + 1000);
    try {
      const res = await p.goto(`${base}/checkout/${e.id}`);
      expect(res?.status()).toBe(410);
      await expect(p.textContent('[data-testid=state]')).resolves.toContain('24 hours');
      await Promise.all([p.waitForURL(`${integrationOrigin}/cancelled**`), p.click('[data-testid=back]')]);
    } finally {
      clock.set('2026-06-15T10:00:00.000Z');
    }

    const tampered = await p.goto(`${base}/checkout/${e.id.slice(0, -2)}${e.id.endsWith('zz') ? 'yy' : 'zz'}`);
    expect(tampered?.status()).toBe(404);
    await expect(p.textContent('h1')).resolves.toBe('Checkout not found');

    const other = await checkoutWorld(t, 'other-browser');
    const foreign = await t.app.inject({ method: 'GET', url: `/v1/checkout/sessions/${e.id}`, headers: { authorization: `Bearer ${(await other.key()).key}` } });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe('not_found');
    expect(cspViolations).toEqual([]);
    await p.context().close();
  });
});
