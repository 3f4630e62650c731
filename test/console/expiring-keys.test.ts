import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';
import { HAVE_CHROMIUM, KEYS_PATH, SKIP_MESSAGE, startRig, type ConsoleRig, type InBrowser } from './harness.js';

// Used only inside page.evaluate callbacks, which run in Chromium.
declare const document: InBrowser;
declare const requestAnimationFrame: InBrowser;

/** A date `n` days after today in the demo environment's zone (the console's and the server's "today"). */
const inDays = (n: number) => {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  return new Date(Date.parse(`${today}T00:00:00Z`) + n * 86400_000).toISOString().slice(0, 10);
};
/** `2026-12-01` → `1 Dec 2026`, as the console writes dates. */
const shown = (date: string) => new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));

if (!HAVE_CHROMIUM) console.warn(SKIP_MESSAGE);

(HAVE_CHROMIUM ? describe : describe.skip)(`console home: expiring keys${HAVE_CHROMIUM ? '' : ` (${SKIP_MESSAGE})`}`, () => {
  let rig: ConsoleRig;
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(async () => rig?.close());

  it('shows nothing on Home when no key expires within 14 days', async () => {
    await rig.t.deps.keys.create(rig.environmentId, { reference: 'Far-off door system', purpose: 'flow_api', expiresOn: inDays(200) }, SYSTEM_ACTOR);
    const { page, errors } = await rig.newPage();
    await page.goto('/');
    await page.waitForURL(/\/login/);
    // Wait for the expiring-keys answer itself, so "nothing shown" is not just "not loaded yet".
    const answer = page.waitForResponse((r) => r.url().includes('/admin/v1/expiring-keys'));
    await rig.login(page);
    const res = await answer;
    expect(res.status()).toBe(200);
    expect(((await res.json()) as { total: number }).total).toBe(0);
    await page.getByRole('list', { name: 'Modules' }).waitFor();
    // One more frame for React to render what it was given.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect(await page.getByRole('region', { name: /within 14 days/ }).count()).toBe(0);
    expect(await page.getByText('Far-off door system').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('flags a key expiring in 5 days on Home (not one expiring in 200) and links to its detail page and the filtered list', async () => {
    const soon = await rig.t.deps.keys.create(rig.environmentId, { reference: 'Sauna booking sync', purpose: 'coursepro_integration', expiresOn: inDays(5) }, SYSTEM_ACTOR);
    const { page, errors } = await rig.newPage();
    await page.goto('/');
    await page.waitForURL(/\/login/);
    await rig.login(page);

    const notice = page.getByRole('region', { name: /1 API key expires within 14 days/ });
    await notice.waitFor();
    const item = notice.getByRole('listitem');
    expect(await item.count()).toBe(1);
    const text = await item.innerText();
    expect(text).toContain('Sauna booking sync');
    expect(text).toContain(shown(inDays(5)));
    expect(text).toContain('5 days left');
    expect(await notice.getByText('Far-off door system').count()).toBe(0);
    // The warning is in words (and an icon), not colour alone.
    expect(await notice.getByRole('heading').innerText()).toMatch(/Warning: 1 API key expires within 14 days/);
    await rig.shot(page, 'home-expiring-keys');

    // The filtered-list link carries status=expiring_soon, and the list flags the key with its badge.
    const listHref = await notice.getByRole('link', { name: /expiring keys/i }).getAttribute('href');
    expect(listHref).toBe(`${KEYS_PATH}?status=expiring_soon`);

    await notice.getByRole('link', { name: 'Sauna booking sync' }).click();
    await page.waitForURL(`**${KEYS_PATH}/${soon.view.id}`);
    await page.getByRole('heading', { name: 'Sauna booking sync', level: 1 }).waitFor();

    await page.goto(listHref!);
    const row = page.getByRole('row', { name: /Sauna booking sync/ });
    await row.waitFor();
    expect(await row.locator('.badge').innerText()).toBe('Expiring soon');
    expect(await page.getByRole('row', { name: /Far-off door system/ }).count()).toBe(0);
    expect(await page.getByLabel('Status').inputValue()).toBe('expiring_soon');
    expect(errors).toEqual([]);
  });

  it('fits the notice in 375 px without sideways scrolling', async () => {
    const { page, errors } = await rig.newPage({ width: 375, height: 800 });
    await page.goto('/');
    await page.waitForURL(/\/login/);
    await rig.login(page);
    await page.getByRole('region', { name: /expires within 14 days/ }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await rig.shot(page, 'home-expiring-keys-375');
    expect(errors).toEqual([]);
  });
});
