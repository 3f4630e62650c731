import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';
import { createCheckoutRepository } from '../../src/checkout/checkout.repository.js';
import { renderStatePage } from '../../src/checkout/checkout.pages.js';
import { buildTestApp, fixedClock, type TestApp } from '../helpers.js';
import { cardForm, checkoutWorld, csrfOf, form } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`checkout contrast tests skipped: Chromium not found at ${CHROMIUM}`);

/** WCAG 2: text (links, button labels) 4.5:1; focus outlines and selected-state indicators 3:1 (non-text). */
const TEXT_MINIMUM = 4.5;
const INDICATOR_MINIMUM = 3;

const COLOURS = ['#FFFFFF', '#FFFF00', '#000000', '#777777'];
const THEMES: Array<{ name: string; theme?: { primaryColour: string; secondaryColour: string } }> = [
  { name: 'the default theme' },
  // Each colour as both colours (text on it, and the accent falling back to black when it is light) …
  ...COLOURS.map((c) => ({ name: `primary and secondary ${c}`, theme: { primaryColour: c, secondaryColour: c } })),
  // … and the light ones as a secondary beside a dark primary (the accent falling back to the primary).
  ...['#FFFFFF', '#FFFF00'].map((c) => ({ name: `secondary ${c} (primary #1D4ED8)`, theme: { primaryColour: '#1D4ED8', secondaryColour: c } })),
];

/**
 * Runs in the page (plain JS, as Chromium gets it): WCAG contrast from getComputedStyle. An element's actual
 * background is its own and its ancestors' background colours composited (alpha included) over the white canvas.
 */
const IN_PAGE = `
window.__contrast = (() => {
  const parse = (c) => { const m = /rgba?\\(([^)]*)\\)/.exec(c || ''); if (!m) return null; const n = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number); return [n[0], n[1], n[2], n.length > 3 ? n[3] : 1]; };
  const over = (top, bottom) => { const a = top[3]; return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat(1); };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    return layers.reverse().reduce((under, layer) => over(layer, under), [255, 255, 255, 1]);
  };
  const lin = (v) => { const s = v / 255; return s <= 0.04045 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4); };
  const lum = (c) => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.getAttribute('data-testid') ? '[' + el.getAttribute('data-testid') + ']' : '') + ' "' + (el.textContent || el.value || '').trim().slice(0, 30) + '"';
  const shown = (el) => { const r = el.getBoundingClientRect(); return r.width > 1 && r.height > 1 && getComputedStyle(el).visibility !== 'hidden'; };
  const rgb = (c) => 'rgb(' + c.slice(0, 3).map(Math.round).join(',') + ')';
  return {
    /** Every visible link and button: its label colour against its actual background. */
    controls() {
      return [...document.querySelectorAll('a[href], button, input[type=submit], input[type=button]')].filter(shown).map((el) => {
        const bg = background(el);
        const fg = over(parse(getComputedStyle(el).color), bg);
        return { what: name(el), fg: rgb(fg), bg: rgb(bg), ratio: ratio(fg, bg) };
      });
    },
    /** The focused element's outline against the page around it (an outline is drawn outside the element). */
    focused() {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const s = getComputedStyle(el);
      const colour = parse(s.outlineColor);
      const bg = background(el.parentElement);
      return { what: name(el), style: s.outlineStyle, width: parseFloat(s.outlineWidth), colour: colour && rgb(colour), bg: rgb(bg), ratio: colour ? ratio(over(colour, bg), bg) : 0 };
    },
    /** Checked boxes and radios (their accent colour) and the selected payment method's border, against the page. */
    selected() {
      const out = [];
      for (const el of document.querySelectorAll('input[type=checkbox]:checked, input[type=radio]:checked')) {
        if (!shown(el)) continue;
        const c = parse(getComputedStyle(el).accentColor);
        const bg = background(el.parentElement);
        out.push({ what: 'accent of ' + name(el), colour: getComputedStyle(el).accentColor, bg: rgb(bg), ratio: c ? ratio(over(c, bg), bg) : 0 });
      }
      for (const el of document.querySelectorAll('.fc-method')) {
        if (!el.querySelector('input:checked')) continue;
        const c = parse(getComputedStyle(el).borderTopColor);
        const bg = background(el.parentElement);
        out.push({ what: 'border of selected ' + name(el), colour: rgb(c), bg: rgb(bg), ratio: ratio(over(c, bg), bg) });
      }
      return out;
    },
  };
})();
`;

describe.skipIf(!hasChromium)('checkout pages stay readable whatever the theme (WCAG contrast measured in Chromium)', () => {
  let t: TestApp;
  let w: Awaited<ReturnType<typeof checkoutWorld>>;
  let browser: Browser;
  let base: string;
  const clock = fixedClock('2026-06-15T10:00:00.000Z');

  beforeAll(async () => {
    t = await buildTestApp({
      clock,
      // The "payment in progress" page appears only after a 15 s wait for a held session: render it here
      // (the real function, session and stylesheets) instead of waiting for it.
      routes: (app) =>
        app.get<{ Params: { id: string } }>('/test-only/busy/:id', async (request, reply) =>
          reply.type('text/html').send(renderStatePage('busy', await createCheckoutRepository(t.deps.store.db).findById(request.params.id))),
        ),
    });
    w = await checkoutWorld(t);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-sync'] });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const post = (id: string, action: string, fields: Record<string, string>) =>
    t.app.inject({ method: 'POST', url: `/checkout/${id}/${action}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(fields) });

  async function session(apiKey: string): Promise<{ id: string; csrf: string }> {
    const res = await w.createSession(apiKey, { successUrl: 'http://localhost:1/done', cancelUrl: 'http://localhost:1/cancelled' });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as string;
    return { id, csrf: csrfOf((await t.app.inject({ method: 'GET', url: `/checkout/${id}` })).body) };
  }

  /** Measures the page as it stands: links and buttons, every outline reached with Tab, selected states. */
  async function measure(p: Page, state: string, failures: string[]): Promise<number> {
    await p.evaluate(IN_PAGE);
    const controls = await p.evaluate<Array<{ what: string; fg: string; bg: string; ratio: number }>>('window.__contrast.controls()');
    for (const c of controls) if (c.ratio < TEXT_MINIMUM) failures.push(`${state}: ${c.what} ${c.fg} on ${c.bg} is ${c.ratio.toFixed(2)}:1`);
    for (const s of await p.evaluate<Array<{ what: string; colour: string; bg: string; ratio: number }>>('window.__contrast.selected()')) {
      if (s.ratio < INDICATOR_MINIMUM) failures.push(`${state}: ${s.what} ${s.colour} on ${s.bg} is ${s.ratio.toFixed(2)}:1`);
    }
    // Keyboard focus, as a customer moves through the page (so :focus-visible applies).
    await p.evaluate('document.activeElement && document.activeElement.blur(), window.scrollTo(0, 0)');
    const seen = new Set<string>();
    let first: string | undefined;
    for (let i = 0; i < 100; i++) {
      await p.keyboard.press('Tab');
      const f = await p.evaluate<{ what: string; style: string; width: number; colour: string | null; bg: string; ratio: number } | null>('window.__contrast.focused()');
      // Past the last control focus leaves the page (or wraps round); a date input takes several Tabs.
      if (!f || f.what === first) break;
      first ??= f.what;
      if (seen.has(f.what)) continue;
      seen.add(f.what);
      if (f.style === 'none' || f.width < 2 || f.ratio < INDICATOR_MINIMUM) failures.push(`${state}: focus outline of ${f.what} (${f.style} ${f.width}px ${f.colour}) on ${f.bg} is ${f.ratio.toFixed(2)}:1`);
    }
    return controls.length + seen.size;
  }

  it.each(THEMES)('every link, button, focus outline and selected state on every checkout page: $name', async ({ theme }) => {
    const { key, view } = await w.key(theme ? { theme } : {});
    const failures: string[] = [];
    const ctx = await browser.newContext({ viewport: { width: 720, height: 1100 }, locale: 'en-GB' });
    const p = await ctx.newPage();
    const measured: Record<string, number> = {};
    try {
      // The open form, then with every box ticked and Direct Debit chosen (the selected states).
      const open = await session(key);
      await p.goto(`${base}/checkout/${open.id}`);
      measured.open = await measure(p, 'open form', failures);
      await p.check('#f-terms');
      await p.check('#f-marketingOptIn');
      await p.check('#method-direct_debit');
      await p.check('#f-ddConfirm');
      measured.selected = await measure(p, 'open form, Direct Debit chosen and boxes ticked', failures);

      // Validation errors, a declined card, the confirmation step: the pages a submit answers.
      await p.goto(`${base}/checkout/${open.id}`);
      await p.fill('#f-email', 'not-an-email');
      await Promise.all([p.waitForURL(`${base}/checkout/${open.id}/pay`), p.click('[data-testid=pay]')]);
      expect(await p.locator('[data-error-for=email]').count()).toBe(1);
      measured.errors = await measure(p, 'validation errors', failures);

      for (const [state, card] of [
        ['declined', '4000 0000 0000 0002'],
        ['confirmation step', '4000 0000 0000 3220'],
      ] as const) {
        const s = await session(key);
        await p.goto(`${base}/checkout/${s.id}`);
        await p.fill('#f-cardNumber', card);
        await p.fill('#f-cardExpiry', '12/30');
        await p.fill('#f-cardCvc', '123');
        await p.check('#f-terms');
        await Promise.all([p.waitForLoadState('load'), p.click('[data-testid=pay]')]);
        await expect.poll(() => p.locator(state === 'declined' ? '[data-testid=alert]' : '[data-testid=confirm]').count()).toBe(1);
        measured[state] = await measure(p, state, failures);
      }

      // A form that could not be verified (CSRF) and one too large to read (the error page).
      const csrf = await session(key);
      await p.goto(`${base}/checkout/${csrf.id}`);
      await p.evaluate('document.querySelector("form.fc-pay input[name=csrf]").value = "forged"');
      await Promise.all([p.waitForURL(`${base}/checkout/${csrf.id}/pay`), p.click('[data-testid=pay]')]);
      await expect(p.textContent('h1')).resolves.toBe('Please try again');
      measured.csrf = await measure(p, 'csrf', failures);
      await p.goto(`${base}/checkout/${csrf.id}`);
      await p.evaluate('(() => { const f = document.querySelector("form.fc-pay"); const i = document.createElement("input"); i.type = "hidden"; i.name = "pad"; i.value = "x".repeat(20000); f.appendChild(i); })()');
      await Promise.all([p.waitForURL(`${base}/checkout/${csrf.id}/pay`), p.click('[data-testid=pay]')]);
      await expect(p.textContent('h1')).resolves.toBe('Form too large');
      measured.error = await measure(p, 'error page', failures);

      // The end states, each with its way back.
      const done = await session(key);
      expect((await post(done.id, 'pay', cardForm(done.csrf))).statusCode).toBe(303);
      await p.goto(`${base}/checkout/${done.id}`);
      await expect(p.textContent('[data-testid=back]')).resolves.toBe('Continue');
      measured.completed = await measure(p, 'completed', failures);

      const cancelled = await session(key);
      expect((await post(cancelled.id, 'cancel', { csrf: cancelled.csrf })).statusCode).toBe(303);
      await p.goto(`${base}/checkout/${cancelled.id}`);
      await expect(p.textContent('h1')).resolves.toBe('Checkout cancelled');
      measured.cancelled = await measure(p, 'cancelled', failures);

      const busy = await session(key);
      await p.goto(`${base}/test-only/busy/${busy.id}`);
      await expect(p.textContent('h1')).resolves.toBe('Payment in progress');
      measured.busy = await measure(p, 'payment in progress', failures);

      const expired = await session(key);
      clock.advance(24 * 3600 * 1000 + 1000);
      try {
        await p.goto(`${base}/checkout/${expired.id}`);
        await expect(p.textContent('h1')).resolves.toBe('This checkout has expired');
        measured.expired = await measure(p, 'expired', failures);
      } finally {
        clock.set('2026-06-15T10:00:00.000Z');
      }

      const unavailable = await session(key);
      await t.deps.keys.revoke(w.env.id, view.id, SYSTEM_ACTOR);
      await p.goto(`${base}/checkout/${unavailable.id}`);
      await expect(p.textContent('h1')).resolves.toBe('This checkout is no longer available');
      measured.unavailable = await measure(p, 'unavailable', failures);

      // "Not found" has no link or button (and never a theme): nothing there may fail, nothing to count.
      await p.goto(`${base}/checkout/cs_${'0'.repeat(22)}`);
      await expect(p.textContent('h1')).resolves.toBe('Checkout not found');
      await measure(p, 'not found', failures);
    } finally {
      await ctx.close();
    }
    expect(failures).toEqual([]);
    // Something was measured on every page: each has at least one link or button to reach.
    for (const [state, n] of Object.entries(measured)) expect(n, state).toBeGreaterThan(0);
  }, 120_000);
});
