import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckoutPreview } from '../../console/src/checkout-preview/CheckoutPreview.js';
import { newId } from '../../src/kernel/ids.js';
import { createMembershipTypesRepository } from '../../src/membership-types/membership-types.repository.js';
import { buildTestApp, fixedClock, type TestApp } from '../helpers.js';
import { checkoutWorld, csrfOf } from './fixtures.js';

const HOSTILE = `<script>alert("x")</script> & 'quoted'`;

/** The first element of `html` that starts with `open` and ends with `close` (no nesting of the same tag). */
function part(html: string, open: string, close: string): string {
  const start = html.indexOf(open);
  expect(start, `${open} in ${html.slice(0, 200)}…`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf(close, start) + close.length);
}

describe('hosted checkout pages rendered by React', () => {
  let t: TestApp;
  let w: Awaited<ReturnType<typeof checkoutWorld>>;
  const clock = fixedClock('2026-06-15T10:00:00.000Z');

  beforeAll(async () => {
    t = await buildTestApp({ clock });
    await t.deps.environments.create({ slug: 'hostile', name: `Leisure ${HOSTILE}` });
    w = await checkoutWorld(t, 'hostile');
  });
  afterAll(async () => t?.close());

  it('escapes hostile names, references and customer details in the served HTML', async () => {
    const type = { ...w.monthly, id: newId('mt'), name: 'HOSTILE', friendlyName: `Gym ${HOSTILE}` };
    await createMembershipTypesRepository(t.deps.store.db).insert(type);
    const key = (await w.key({ reference: `Ref ${HOSTILE}` })).key;
    const created = await w.createSession(key, {
      membershipTypeId: type.id,
      reference: `order-"><script>x</script>`,
      customer: { firstName: `"><script>alert(1)</script>`, lastName: `O'Brien <b>`, email: 'ada@example.com' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const page = await t.app.inject({ method: 'GET', url: `/checkout/${created.json().id}` });
    expect(page.statusCode).toBe(200);
    const html = page.body;
    // Nothing hostile arrives as markup: no script element, no injected attribute, no bold.
    expect(html).not.toMatch(/<script|<b>|style=/i);
    expect(html).toContain('Gym &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quoted&#x27;');
    expect(html).toContain('<title>Checkout – Leisure &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quoted&#x27;</title>');
    expect(html).toContain('<div class="fc-operator">Leisure &lt;script&gt;');
    expect(html).toContain('conditions of Leisure &lt;script&gt;');
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(html).toContain('value="O&#x27;Brien &lt;b&gt;"');
    // The form still works: the token is read back as the browser would.
    expect(csrfOf(html)).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    // The policy is unchanged: no script source at all, no inline styles.
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/script-src|unsafe-inline/);
  });

  it('renders the same header, price line and button as the console preview for the same key', async () => {
    const logoId = await w.logo('#2E86AB');
    const created = await w.key({ reference: 'Preview parity', theme: { logoId, primaryColour: '#1d4ed8', secondaryColour: '#f59e0b' } });
    const session = await w.createSession(created.key);
    expect(session.statusCode, session.body).toBe(201);
    const served = (await t.app.inject({ method: 'GET', url: `/checkout/${session.json().id}` })).body;
    // What the console's key page renders (its preview of this key's theme, operator = the environment's name).
    const theme = created.view.theme;
    const preview = renderToStaticMarkup(
      createElement(CheckoutPreview, { logoUrl: theme.logoUrl, primaryColour: theme.primaryColour, secondaryColour: theme.secondaryColour, operatorName: w.env.name }),
    );
    const header = part(served, '<header class="fc-header"', '</header>');
    expect(header).toContain('<img class="fc-logo-img" src="/logos/');
    expect(header).toContain('Leisure &lt;script&gt;');
    expect(part(preview, '<header class="fc-header"', '</header>')).toBe(header);
    const price = part(served, '<div class="fc-summary">', '</span></span></div>');
    expect(price).toContain('Adult Gym Membership');
    expect(part(preview, '<div class="fc-summary">', '</span></span></div>')).toBe(price);
    const button = (html: string) => /<button class="fc-button" data-part="button"[^>]*>([^<]*)<\/button>/.exec(html)?.[1];
    expect(button(served)).toBe('Pay £32.00');
    expect(button(preview)).toBe(button(served));
    // The theme: the page loads it as a stylesheet file, the preview sets the same variables on its root.
    const css = (await t.app.inject({ method: 'GET', url: part(served, '/checkout/assets/theme-', '.css') })).body;
    for (const [name, value] of css.slice(css.indexOf('{') + 1, css.indexOf('}')).split(';').map((d) => d.split(':'))) expect(preview).toContain(`${name}:${value}`);
  });
});
