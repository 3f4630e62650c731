import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { CheckoutPreviewCard } from '../../src/checkout/checkout-components.js';
import { checkoutTheme, contrastRatio, FLOW_PRIMARY, FLOW_SECONDARY, relativeLuminance, textColourOn, themeCss } from '../../src/checkout/theme.js';
import { normaliseHex } from '../../src/kernel/rules/colour.js';
import { withSessionId } from '../../src/checkout/redirect-urls.js';
import { checkRedirectUrl } from '../../src/kernel/rules/redirect-origin.js';
import { checkForm, luhnValid, parseExpiry } from '../../src/checkout/checkout-form.js';
import type { FieldError } from '../../src/kernel/errors.js';

describe('checkout theme (shared with the console preview)', () => {
  it('computes WCAG luminance and contrast', () => {
    expect(relativeLuminance('#FFFFFF')).toBeCloseTo(1, 5);
    expect(relativeLuminance('#000000')).toBe(0);
    expect(contrastRatio('#000000', '#FFFFFF')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#FFFFFF')).toBeCloseTo(4.48, 2);
    expect(contrastRatio('#1D4ED8', '#1D4ED8')).toBe(1);
  });

  it('chooses black or white text, whichever contrasts more', () => {
    expect(textColourOn('#1D4ED8')).toBe('#FFFFFF');
    expect(textColourOn('#FFE14D')).toBe('#000000');
    expect(textColourOn('#F59E0B')).toBe('#000000');
    expect(textColourOn('#0B4F57')).toBe('#FFFFFF');
    for (const c of ['#FF0000', '#00FF00', '#0000FF', '#808080', '#777777', '#F2A541', '#123456']) {
      const fg = textColourOn(c);
      const other = fg === '#FFFFFF' ? '#000000' : '#FFFFFF';
      expect(contrastRatio(c, fg)).toBeGreaterThanOrEqual(contrastRatio(c, other));
    }
  });

  it('resolves themes, with the neutral FLOW theme when unset and #RGB input normalised', () => {
    expect(normaliseHex('#abc')).toBe('#AABBCC');
    expect(normaliseHex('red')).toBeUndefined();
    const none = checkoutTheme(null, undefined);
    expect(none).toMatchObject({ primary: FLOW_PRIMARY, secondary: FLOW_SECONDARY, isDefault: true });
    const t = checkoutTheme('#1d4ed8', '#f59e0b');
    expect(t).toMatchObject({ primary: '#1D4ED8', secondary: '#F59E0B', onPrimary: '#FFFFFF', onSecondary: '#000000', isDefault: false });
    // Amber is unreadable as text on white, so accent text falls back to the (readable) primary.
    expect(t.accentInk).toBe('#1D4ED8');
    expect(themeCss(t)).toBe('.fc{--fc-primary:#1D4ED8;--fc-on-primary:#FFFFFF;--fc-secondary:#F59E0B;--fc-on-secondary:#000000;--fc-accent-ink:#1D4ED8}\n');
  });

  it('builds the preview from the page header and button components, escaped, with the theme as variables', () => {
    const html = renderToStaticMarkup(createElement(CheckoutPreviewCard, { logoUrl: '/logos/abc.png', primaryColour: '#FFE14D', secondaryColour: null, operatorName: 'Leisure <b>&</b> "Co"' }));
    expect(html).toContain('data-part="header"');
    expect(html).toContain('data-part="button"');
    expect(html).toContain('Leisure &lt;b&gt;&amp;&lt;/b&gt; &quot;Co&quot;');
    expect(html).not.toContain('<b>');
    expect(html).toContain('--fc-on-primary:#000000');
  });
});

describe('redirect URLs', () => {
  const check = (url: string, allowed: string[] = []) => {
    const errors: FieldError[] = [];
    return { url: checkRedirectUrl('successUrl', url, allowed, errors), errors };
  };
  it('accepts https and http localhost only, never credentials or other schemes', () => {
    expect(check('https://a.example/x?y=1').url).toBe('https://a.example/x?y=1');
    expect(check('http://localhost:3000/x').url).toBeDefined();
    expect(check('http://app.localhost/x').url).toBeDefined();
    for (const bad of ['http://a.example/', 'javascript:alert(1)', 'data:text/html,hi', 'ftp://a.example/', 'https://u:p@a.example/', '/relative', 'https://' + 'a'.repeat(2001)]) {
      const r = check(bad);
      expect(r.url, bad).toBeUndefined();
      expect(r.errors[0].path).toBe('successUrl');
    }
    expect(check('https://evil.example/', ['https://a.example']).url).toBeUndefined();
    expect(check('https://a.example/ok', ['https://a.example']).url).toBeDefined();
  });
  it('appends session_id keeping the query and the fragment', () => {
    expect(withSessionId('https://a.example/done', 'cs_1')).toBe('https://a.example/done?session_id=cs_1');
    expect(withSessionId('https://a.example/done?a=1&b=x%20y', 'cs_1')).toBe('https://a.example/done?a=1&b=x%20y&session_id=cs_1');
    expect(withSessionId('https://a.example/done?#frag', 'cs_1')).toBe('https://a.example/done?session_id=cs_1#frag');
  });
});

describe('checkout form rules', () => {
  const now = new Date('2026-06-15T10:00:00Z');
  it('Luhn and expiry parsing', () => {
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
    expect(parseExpiry('06/26')).toEqual({ month: 6, year: 2026 });
    expect(parseExpiry('13/26')).toBeUndefined();
  });
  it('accepts any future expiry and any 3-digit CVC; rejects past months', () => {
    const base = { terms: 'yes', method: 'card', cardNumber: '4242424242424242', cardCvc: '999' };
    expect(checkForm({ ...base, cardExpiry: '06/26' }, { askDetails: false, methods: ['card'], now }).form).toBeDefined();
    expect(checkForm({ ...base, cardExpiry: '05/26' }, { askDetails: false, methods: ['card'], now }).errors.cardExpiry).toBe('This card has expired.');
    expect(checkForm({ ...base, cardExpiry: '06/26', cardCvc: '1234' }, { askDetails: false, methods: ['card'], now }).errors.cardCvc).toBeDefined();
    expect(checkForm({ ...base, cardExpiry: '06/26', method: 'direct_debit' }, { askDetails: false, methods: ['card'], now }).errors.method).toBeDefined();
  });
});
