import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HAVE_CHROMIUM, KEYS_PATH, SKIP_MESSAGE, makePng, me, startRig, type ConsoleRig, type InBrowser } from './harness.js';

// Used only inside page.evaluate callbacks, which run in Chromium.
declare const document: InBrowser;
declare const navigator: InBrowser;
declare const requestAnimationFrame: InBrowser;
declare const HTMLInputElement: InBrowser;
declare const DataTransfer: InBrowser;
declare const DragEvent: InBrowser;
declare const File: InBrowser;
declare const Event: InBrowser;
declare const atob: InBrowser;


const SYSTEM = { type: 'system', id: null, label: 'test', ip: null } as const;
/** A date `n` days after today in the demo environment's zone (the console's and the server's "today"). */
const inDays = (n: number) => {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  return new Date(Date.parse(`${today}T00:00:00Z`) + n * 86400_000).toISOString().slice(0, 10);
};
/** Network failures the browser logs by itself for answers a test provokes on purpose. */
const onlyExpected = (errors: string[], status: number) => errors.filter((e) => !e.includes(`the server responded with a status of ${status}`));

if (!HAVE_CHROMIUM) console.warn(SKIP_MESSAGE);

(HAVE_CHROMIUM ? describe : describe.skip)(`console in Chromium${HAVE_CHROMIUM ? '' : ` (${SKIP_MESSAGE})`}`, () => {
  let rig: ConsoleRig;
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(async () => rig?.close());

  async function openCreateForm(page: Page) {
    await page.goto(`${KEYS_PATH}/new`);
    await page.waitForURL(/\/login/);
    await rig.login(page);
    await page.waitForURL(`**${KEYS_PATH}/new`);
    await page.getByRole('radio').first().waitFor();
  }

  it('shows validation errors beside their fields: the client’s checks and the server’s', async () => {
    const { page, errors } = await rig.newPage();
    await openCreateForm(page);

    // Nothing filled in: each required field says what is wrong, beside it and in the summary.
    await page.getByRole('button', { name: 'Create New API Key' }).click();
    const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
    await summary.waitFor();
    const reference = page.getByLabel('Reference');
    expect(await reference.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#key-reference-error').innerText()).toContain('Enter a reference');
    expect(await reference.getAttribute('aria-describedby')).toContain('key-reference-error');
    expect(await page.locator('#purpose-group-error').innerText()).toContain('Select one of the four purposes');
    expect(await page.locator('#key-expiry-error').innerText()).toContain('Select the expiry date');
    // The summary's links move focus to the field.
    await summary.getByRole('link', { name: /Enter a reference/ }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('key-reference');

    // Too long, past the 2-year bound, a bad colour, a logo of the wrong type.
    await reference.fill('x'.repeat(101));
    await page.getByRole('radio', { name: /^Import Members/ }).check();
    const max = (await page.getByLabel('Expiry date').getAttribute('max'))!;
    const tooLate = new Date(Date.parse(`${max}T00:00:00Z`) + 86400_000).toISOString().slice(0, 10);
    await page.getByLabel('Expiry date').fill(tooLate);
    await page.getByRole('textbox', { name: /^Primary Hex Colour Code/ }).fill('#12');
    await page.getByRole('textbox', { name: /^Primary Hex Colour Code/ }).blur();
    expect(await page.locator('#theme-primary-error').innerText()).toContain('hex colour code');
    await page.locator('#theme-logo').setInputFiles({ name: 'logo.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
    await page.locator('.field-error', { hasText: 'The logo must be a PNG, JPEG, WebP or SVG image.' }).waitFor();
    await page.locator('#theme-logo').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(1024 * 1024 + 1) });
    await page.locator('.field-error', { hasText: 'The logo must be at most 1 MB' }).waitFor();
    await page.getByRole('button', { name: 'Create New API Key' }).click();
    expect(await page.locator('#key-reference-error').innerText()).toContain('at most 100 characters');
    expect(await page.locator('#key-expiry-error').innerText()).toContain('at most 2 years ahead');
    expect(await page.locator('#purpose-group-error').count()).toBe(0);

    // Shapes the client lets through but the server refuses: its field errors appear beside the fields.
    await reference.fill('Door system');
    await page.getByLabel('Expiry date').fill(inDays(30));
    await page.getByRole('textbox', { name: /^Primary Hex Colour Code/ }).fill('#123456');
    await page.getByText('Advanced').click();
    await page.getByLabel('Allowed IP addresses').fill('203.0.113.0/24\n300.1.1.1');
    // The logo: a good PNG dropped on the drop zone replaces the refused file.
    const png = (await makePng('#2E86AB', 64)).toString('base64');
    await page.getByTestId('logo-dropzone').evaluate((zone: InBrowser, b64: string) => {
      const bytes = Uint8Array.from(atob(b64), (c: string) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, png);
    await page.getByText('dropped.png uploaded').waitFor();
    await page.getByRole('button', { name: 'Create New API Key' }).click();
    await page.locator('#key-ips-error').waitFor();
    expect(await page.locator('#key-ips-error').innerText()).toMatch(/Line 2: must be an IPv4 or IPv6 address/);
    expect(await page.getByLabel('Allowed IP addresses').getAttribute('aria-invalid')).toBe('true');
    expect(await rig.t.deps.keys.list(rig.environmentId, {}).then((r) => r.total)).toBe(0);
    await rig.shot(page, 'create-key-validation');

    // Fixed, it is created.
    await page.getByLabel('Allowed IP addresses').fill('203.0.113.0/24\n198.51.100.7');
    await page.getByRole('button', { name: 'Create New API Key' }).click();
    await page.getByRole('dialog', { name: 'Your new API key' }).waitFor();
    expect(onlyExpected(errors, 400)).toEqual([]);
  });

  it('creates a key with the keyboard alone, focus staying inside the dialog', async () => {
    const { page, errors } = await rig.newPage();
    await page.goto(KEYS_PATH);
    await rig.login(page);
    await page.getByRole('heading', { level: 1, name: 'FLOW API Keys' }).waitFor();

    const focused = () => page.evaluate(() => ({ text: document.activeElement?.innerText?.trim() ?? '', id: document.activeElement?.id ?? '', tag: document.activeElement?.tagName ?? '' }));
    async function tabTo(match: (f: { text: string; id: string; tag: string }) => boolean, limit = 60) {
      for (let i = 0; i < limit; i++) {
        await page.keyboard.press('Tab');
        if (match(await focused())) return;
      }
      throw new Error(`Tab never reached the element (last: ${JSON.stringify(await focused())})`);
    }

    await tabTo((f) => f.text.endsWith('Create New API Key'));
    await page.keyboard.press('Enter');
    await page.waitForURL(`**${KEYS_PATH}/new`);
    await page.getByRole('radio').first().waitFor();
    expect((await focused()).id).toBe('key-reference'); // the form starts at its first field
    await page.keyboard.type('Keyboard integration');
    await page.keyboard.press('Tab');
    expect((await focused()).id).toBe('purpose-import_members');
    await page.keyboard.press('Space');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    expect(await page.getByRole('radio', { name: /^FLOW API/ }).isChecked()).toBe(true);
    await tabTo((f) => f.text === '60 days');
    await page.keyboard.press('Enter');
    expect(await page.getByLabel('Expiry date').inputValue()).toBe(inDays(60));
    await tabTo((f) => f.id === 'theme-primary');
    await page.keyboard.type('#0B4F57');
    await tabTo((f) => f.tag === 'BUTTON' && f.text === 'Create New API Key');
    await page.keyboard.press('Enter');

    const dialog = page.getByRole('dialog', { name: 'Your new API key' });
    await dialog.waitFor();
    expect((await focused()).text).toBe('Copy key');
    await page.keyboard.press('Enter');
    await dialog.getByText('The key is on your clipboard.').waitFor();
    const secret = await page.evaluate(() => navigator.clipboard.readText());
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => !!document.activeElement?.closest('dialog'))).toBe(true);
    }
    await page.keyboard.press('Escape'); // asks first
    await dialog.getByText('Have you stored the key somewhere safe?').waitFor();
    expect((await focused()).text).toBe('Yes, I have stored it');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await page.waitForURL(new RegExp(`${KEYS_PATH}/key_`));

    const who = await me(rig.base, secret);
    expect(who.status).toBe(200);
    expect(who.body.key).toMatchObject({ purpose: 'flow_api', reference: 'Keyboard integration', expiresOn: inDays(60) });
    expect(errors).toEqual([]);
  });

  it('shows a staff (non-admin) user no create, edit, roll or revoke controls', async () => {
    await rig.t.deps.staff.create({ environmentId: rig.environmentId, email: 'desk@test.flow', name: 'Front Desk', role: 'staff', password: 'staff password 123' });
    const k = await rig.t.deps.keys.create(rig.environmentId, { reference: 'Read-only view', purpose: 'flow_api', expiresOn: inDays(10) }, SYSTEM);
    const { page, errors } = await rig.newPage();
    await page.goto(KEYS_PATH);
    await rig.login(page, 'desk@test.flow', 'staff password 123');
    await page.getByRole('row', { name: /Read-only view/ }).waitFor();
    expect(await page.getByText('Expiring soon').count()).toBeGreaterThan(0);
    expect(await page.getByRole('link', { name: 'Create New API Key' }).count()).toBe(0);
    expect(await page.getByText('Only an administrator can create').count()).toBe(1);
    await page.getByRole('link', { name: 'Read-only view' }).click();
    await page.getByRole('heading', { level: 1, name: /Read-only view/ }).waitFor();
    for (const name of ['Edit', 'Roll key', 'Revoke']) expect(await page.getByRole('button', { name }).count()).toBe(0);
    await page.goto(`${KEYS_PATH}/new`);
    await page.getByText('Administrators only').waitFor();
    expect(await page.getByRole('button', { name: 'Create New API Key' }).count()).toBe(0);
    expect(k.view.status).toBe('expiring_soon');
    expect(errors).toEqual([]);
  });

  it('returns to login when the session has ended, then back to where the user was; signs out', async () => {
    await rig.t.deps.keys.create(rig.environmentId, { reference: 'Session test', purpose: 'import_members', expiresOn: inDays(90) }, SYSTEM);
    const { page, context, errors } = await rig.newPage();
    await page.goto(`${KEYS_PATH}?purpose=import_members`);
    await rig.login(page);
    await page.waitForURL(`**${KEYS_PATH}?purpose=import_members`);
    await page.getByRole('row', { name: /Session test/ }).waitFor();

    await context.clearCookies(); // the session is gone, as when it expires
    await page.getByRole('link', { name: 'Session test' }).click();
    await page.waitForURL(/\/login\?next=/);
    await page.getByText('Your session has ended').waitFor();
    const target = decodeURIComponent(new URL(page.url()).searchParams.get('next')!);
    expect(target).toMatch(new RegExp(`^${KEYS_PATH}/key_`));
    await rig.login(page);
    await page.waitForURL(`**${target}`);
    await page.getByRole('heading', { level: 1, name: /Session test/ }).waitFor();

    // The audit log page shows the environment's events.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await page.getByText('Created the key').first().waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/);
    await page.goto(KEYS_PATH);
    await page.waitForURL(/\/login\?next=/);
    expect(onlyExpected(errors, 401)).toEqual([]);
  });

  it('gives every control an accessible name (Chromium’s accessibility tree) on the list, the form, a key and a dialog', async () => {
    const k = await rig.t.deps.keys.create(rig.environmentId, { reference: 'Accessibility check', purpose: 'flow_api', expiresOn: inDays(45) }, SYSTEM);
    const { page, errors } = await rig.newPage();
    await page.goto(KEYS_PATH);
    await rig.login(page);
    const cdp = await page.context().newCDPSession(page);
    const CONTROLS = ['button', 'link', 'textbox', 'searchbox', 'combobox', 'radio', 'checkbox', 'ColorWell', 'Date', 'spinbutton', 'listbox'];
    async function unnamed(): Promise<string[]> {
      const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: { ignored?: boolean; role?: { value?: string }; name?: { value?: string } }[] };
      return nodes.filter((n) => !n.ignored && CONTROLS.includes(n.role?.value ?? '') && !String(n.name?.value ?? '').trim()).map((n) => n.role?.value ?? '?');
    }
    await page.getByRole('link', { name: 'Accessibility check' }).waitFor();
    expect(await unnamed()).toEqual([]);
    await page.getByRole('link', { name: 'Create New API Key' }).click();
    await page.getByRole('radio').first().waitFor();
    await page.getByText('Advanced').click();
    expect(await unnamed()).toEqual([]);
    await page.goto(`${KEYS_PATH}/${k.view.id}`);
    await page.getByRole('heading', { level: 1, name: /Accessibility check/ }).waitFor();
    expect(await unnamed()).toEqual([]);
    await page.getByRole('button', { name: 'Roll key' }).click();
    await page.getByRole('dialog', { name: 'Roll this key' }).waitFor();
    expect(await unnamed()).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('is usable 375 px wide: no sideways scrolling on the list, the form and a key', async () => {
    const k = await rig.t.deps.keys.create(rig.environmentId, { reference: 'Mobile check with a rather long reference name', purpose: 'innovatise_bridge', expiresOn: inDays(200) }, SYSTEM);
    const { page, errors } = await rig.newPage({ width: 375, height: 740 });
    await page.goto(KEYS_PATH);
    await rig.login(page);
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await page.getByRole('link', { name: /Mobile check/ }).waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await rig.shot(page, 'key-list-375px');
    await page.goto(`${KEYS_PATH}/new`);
    await page.getByRole('radio').first().waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await rig.shot(page, 'create-key-form-375px');
    await page.goto(`${KEYS_PATH}/${k.view.id}`);
    await page.getByRole('heading', { level: 1, name: /Mobile check/ }).waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
  });

  it('filters a list of 1,000 keys as the user types (the filter pass is measured and reported, not asserted)', async () => {
    const env = await rig.t.deps.environments.create({ slug: 'big', name: 'Big Leisure' });
    await rig.t.deps.staff.create({ environmentId: env.id, email: 'big@test.flow', role: 'admin', password: 'big admin password' });
    const purposes = ['import_members', 'innovatise_bridge', 'coursepro_integration', 'flow_api'];
    const sites = ['Riverside', 'Northgate', 'Hillview', 'Lakeside', 'Parkway'];
    const references: string[] = [];
    for (let i = 0; i < 1000; i++) {
      references.push(`${sites[i % 5]} ${purposes[i % 4].replace(/_/g, ' ')} ${String(i).padStart(4, '0')}`);
      await rig.t.deps.keys.create(env.id, { reference: references[i], purpose: purposes[i % 4], expiresOn: inDays(20 + (i % 300)) }, SYSTEM);
    }
    const query = 'lakeside flow api 0';
    const expected = references.filter((r) => r.toLowerCase().includes(query)).length;
    const { page, errors } = await rig.newPage();
    await page.goto(KEYS_PATH);
    await rig.login(page, 'big@test.flow', 'big admin password');
    await page.getByText('1000 keys', { exact: true }).waitFor();
    expect(await page.getByRole('row').count()).toBe(26); // header + a page of 25

    // Type a query key by key; each keystroke re-filters all 1,000 in the browser.
    await page.evaluate(() => performance.clearMeasures('flow:keys-filter'));
    const search = page.getByLabel('Search');
    await search.click();
    const t0 = Date.now();
    await page.keyboard.type(query, { delay: 0 });
    await page.getByText(`${expected} of 1000 keys match`).waitFor();
    const typedMs = Date.now() - t0;
    const passes = await page.evaluate(() => performance.getEntriesByName('flow:keys-filter').map((e: { duration: number }) => e.duration));
    // Keystroke to painted result, measured in the page for a few queries.
    const paint = await page.evaluate(async () => {
      const input = document.getElementById('key-search');
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
      const out: number[] = [];
      for (const q of ['r', 'ri', 'riv', 'north', 'hill 0', '']) {
        const start = performance.now();
        setter.call(input, q);
        input.dispatchEvent(new Event('input', { bubbles: true }));
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        out.push(performance.now() - start);
      }
      return out;
    });
    const sorted = [...passes].sort((a, b) => a - b);
    console.log(
      `[console] 1,000-key filter: ${passes.length} passes while typing "${query}"; filter pass median ${sorted[Math.floor(sorted.length / 2)].toFixed(2)} ms, max ${sorted[sorted.length - 1].toFixed(2)} ms; ` +
        `keystroke→paint ${paint.map((m) => m.toFixed(1)).join(' / ')} ms; typing ${query.length} characters + settle ${typedMs} ms`,
    );
    expect(passes.length).toBeGreaterThan(0);

    // Filters, sorting and paging work on the loaded list.
    await search.fill('');
    await page.getByText('1000 keys', { exact: true }).waitFor();
    await page.getByLabel('Purpose').selectOption('coursepro_integration');
    await page.getByText('250 of 1000 keys match').waitFor();
    await page.getByLabel('Sort by').selectOption({ label: 'Reference A–Z' });
    await page.waitForFunction(() => document.querySelector('tbody tr')?.textContent?.startsWith('Hillview coursepro integration 0002'));
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2 of 10', { exact: true }).waitFor();
    expect(page.url()).toContain('page=2');
    await page.getByLabel('Status').selectOption('expired');
    await page.getByText('No keys match').waitFor();
    await page.getByRole('button', { name: 'Clear search and filters' }).click();
    await page.getByText('1000 keys', { exact: true }).waitFor();
    expect(errors).toEqual([]);
  }, 120_000);
});
