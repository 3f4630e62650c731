import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, KEYS_PATH, SKIP_MESSAGE, makePng, me, startRig, type ConsoleRig, type InBrowser } from './harness.js';

// Used only inside page.evaluate callbacks, which run in Chromium.
declare const navigator: InBrowser;
declare const getComputedStyle: InBrowser;
declare const document: InBrowser;


const KEY_PATTERN = /^flow_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$/;

if (!HAVE_CHROMIUM) console.warn(SKIP_MESSAGE);

(HAVE_CHROMIUM ? describe : describe.skip)(`console: the operator's guide in Chromium${HAVE_CHROMIUM ? '' : ` (${SKIP_MESSAGE})`}`, () => {
  let rig: ConsoleRig;
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(async () => rig?.close());

  it('follows the guide: Home → System Configuration → Integrations → FLOW API Keys → Create New API Key; the copied key answers /v1/me; revoking it makes it answer 401', async () => {
    const { page, errors } = await rig.newPage();
    await page.goto('/');
    await page.waitForURL(/\/login\?next=%2F$/);
    await page.getByLabel('Email address').waitFor();
    await rig.shot(page, 'login', { fullPage: false });
    await rig.login(page);

    // 1–3: Home → System Configuration → Integrations → FLOW API Keys, each a page with breadcrumbs.
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    await rig.shot(page, 'home', { fullPage: false });
    const main = page.getByRole('main');
    await main.getByRole('link', { name: /^System Configuration/ }).click();
    await page.waitForURL('**/system-configuration');
    await main.getByRole('link', { name: /^Integrations/ }).click();
    await page.waitForURL('**/system-configuration/integrations');
    // Router navigations render in a transition: wait for the new page before reading it.
    await page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Breadcrumb' }).innerText()).toMatch(/Home\s*›?\s*System Configuration\s*›?\s*Integrations/);
    await main.getByRole('link', { name: /^FLOW API Keys/ }).click();
    await page.waitForURL(`**${KEYS_PATH}`);
    await page.getByRole('heading', { level: 1, name: 'FLOW API Keys' }).waitFor();
    await page.getByRole('heading', { name: 'No API keys yet' }).waitFor();

    // 4: Create New API Key.
    await main.getByRole('link', { name: 'Create New API Key' }).first().click();
    await page.waitForURL(`**${KEYS_PATH}/new`);

    // 5: Reference.
    await page.getByLabel('Reference').fill('CoursePro – Main site');

    // 6: the four purposes with the guide's one-line descriptions and the permissions from the server's matrix.
    const purposes = page.getByRole('group', { name: 'Purpose' });
    await purposes.getByRole('radio').nth(3).waitFor();
    const text = await purposes.innerText();
    for (const line of [
      'Import Members – for tools importing member data into FLOW.',
      'Innovatise Bridge – for integrations with the Innovatise platform/app.',
      'CoursePro Integration – for synchronising data with CoursePro.',
      'FLOW API – for general API access or custom integrations.',
    ]) {
      expect(text.replace(/\s+/g, ' ')).toContain(line);
    }
    expect(await purposes.getByRole('radio').count()).toBe(4);
    expect(text).toContain('attendance:write');
    await page.getByRole('radio', { name: /^CoursePro Integration/ }).check();

    // 7: expiry with presets and a bounded date picker.
    const expiry = page.getByLabel('Expiry date');
    const min = await expiry.getAttribute('min');
    const max = await expiry.getAttribute('max');
    expect(min).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Number(max!.slice(0, 4)) - Number(min!.slice(0, 4))).toBe(2);
    await page.getByRole('button', { name: '1 year' }).click();
    expect(await expiry.inputValue()).toBe(`${Number(min!.slice(0, 4)) + 1}${min!.slice(4)}`);
    await page.getByRole('button', { name: '90 days' }).click();
    const chosen = await expiry.inputValue();
    expect(await page.getByRole('button', { name: '90 days' }).getAttribute('aria-pressed')).toBe('true');

    // 8: theme: a logo, both colours (text field and picker kept in sync), live preview, contrast warning.
    await page.locator('#theme-logo').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: await makePng() });
    await page.getByText('logo.png uploaded').waitFor();
    expect(await page.getByRole('img', { name: 'Logo preview' }).getAttribute('src')).toMatch(/^\/logos\/[0-9a-f]{64}\.png$/);

    const primary = page.getByRole('textbox', { name: /^Primary Hex Colour Code/ });
    const button = page.locator('[data-testid="checkout-preview"] [data-part="button"]').first();
    await primary.fill('#7fd1d8');
    const warning = page.locator('.contrast-warning');
    await warning.waitFor();
    expect(await warning.innerText()).toMatch(/white text on #7FD1D8 would reach only 1\.\d\d:1, below the WCAG AA minimum of 4\.5:1/);
    // As on the real checkout page: black text where white would not read.
    expect(await button.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(0, 0, 0)');
    await primary.fill('#0e5a61');
    await primary.blur();
    expect(await warning.count()).toBe(0);
    expect(await page.getByText('White text on the primary colour: 7.').count()).toBe(1);
    expect(await button.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(255, 255, 255)');
    expect(await page.getByLabel('Colour picker: Primary Hex Colour Code').inputValue()).toBe('#0e5a61');
    expect(await primary.inputValue()).toBe('#0E5A61');
    await page.getByLabel('Colour picker: Secondary Hex Colour Code').fill('#f2a541');
    expect(await page.getByRole('textbox', { name: /^Secondary Hex Colour Code/ }).inputValue()).toBe('#F2A541');
    const header = page.locator('[data-testid="checkout-preview"] [data-part="header"]').first();
    expect(await header.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(14, 90, 97)');
    expect(await header.evaluate((el) => getComputedStyle(el).borderBottomColor)).toBe('rgb(242, 165, 65)');
    expect(await page.locator('[data-testid="checkout-preview"] img').first().getAttribute('src')).toMatch(/^\/logos\//);
    await rig.shot(page, 'create-key-form');

    // 9: Create New API Key → the secret, once, with a copy button and the warning.
    await page.getByRole('button', { name: 'Create New API Key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your new API key' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('cannot be shown again');
    await rig.shot(page, 'secret-dialog', { fullPage: false });
    await dialog.getByRole('button', { name: 'Copy key' }).click();
    await dialog.getByText('The key is on your clipboard.').waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toMatch(KEY_PATTERN);
    expect(await dialog.getByLabel('Your new API key').inputValue()).toBe(copied);

    // Closing asks for confirmation first; Escape goes back to the same question.
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.getByText('Have you stored the key somewhere safe?').waitFor();
    await dialog.getByRole('button', { name: 'Go back to the key' }).click();
    await page.keyboard.press('Escape');
    await dialog.getByText('Have you stored the key somewhere safe?').waitFor();
    await dialog.getByRole('button', { name: 'Yes, I have stored it' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.waitForURL(new RegExp(`${KEYS_PATH}/key_`));

    // The copied key works, with the chosen purpose.
    const who = await me(rig.base, copied);
    expect(who.status).toBe(200);
    expect(who.body.key).toMatchObject({ purpose: 'coursepro_integration', reference: 'CoursePro – Main site', expiresOn: chosen });

    // The detail page: fields, permissions, theme, usage and audit trail.
    await rig.t.deps.usage.flush();
    await page.reload();
    await page.getByRole('heading', { level: 1, name: /CoursePro – Main site/ }).waitFor();
    const perms = page.getByRole('list', { name: 'Permissions' });
    expect(await perms.innerText()).toContain('memberships:write');
    await page.getByText('Created the key').waitFor();
    const usage = page.getByRole('img', { name: /Requests per day/ });
    expect(await usage.getAttribute('aria-label')).toMatch(/1 requests? .*1 successful/);
    expect(await page.locator('[data-testid="checkout-preview"] [data-part="header"]').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(14, 90, 97)');
    await rig.shot(page, 'key-detail');

    // The list shows it.
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'FLOW API Keys' }).click();
    const row = page.getByRole('row', { name: /CoursePro – Main site/ });
    await row.waitFor();
    const rowText = await row.innerText();
    expect(rowText).toContain('CoursePro Integration');
    expect(rowText).toContain('Active');
    expect(rowText).toContain(`…${copied.slice(-4)}`);
    await rig.shot(page, 'key-list');

    // Revoke in the console (the reference must be typed) → the key answers 401.
    await row.getByRole('link', { name: 'CoursePro – Main site' }).click();
    await page.getByRole('button', { name: 'Revoke' }).click();
    const revoke = page.getByRole('dialog', { name: 'Revoke this key?' });
    await revoke.waitFor();
    const confirm = revoke.getByRole('button', { name: 'Revoke key' });
    expect(await confirm.isDisabled()).toBe(true);
    await revoke.getByRole('textbox').fill('CoursePro');
    expect(await confirm.isDisabled()).toBe(true);
    await revoke.getByRole('textbox').fill('CoursePro – Main site');
    await confirm.click();
    await page.getByText('This key is revoked').waitFor();
    await page.getByText('Revoked the key').waitFor();
    const after = await me(rig.base, copied);
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('key_revoked');

    // The refused call shows in the usage chart's failures by code.
    await rig.t.deps.usage.flush();
    await page.reload();
    const failures = page.getByRole('table').filter({ hasText: 'key_revoked' });
    await failures.waitFor();
    expect(await failures.innerText()).toMatch(/key_revoked\s+1/);

    expect(errors).toEqual([]);
  });

  it('edits a key, rolls it with a grace period and shows the new secret once', async () => {
    const created = await rig.t.deps.keys.create(
      rig.environmentId,
      { reference: 'Innovatise app', purpose: 'innovatise_bridge', expiresOn: new Date(Date.now() + 60 * 86400_000).toISOString().slice(0, 10) },
      { type: 'system', id: null, label: 'test', ip: null },
    );
    const { page, errors } = await rig.newPage();
    await page.goto(`${KEYS_PATH}/${created.view.id}`);
    await rig.login(page);
    await page.waitForURL(`**${KEYS_PATH}/${created.view.id}`);

    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Reference').fill('Innovatise app (live)');
    await page.getByRole('textbox', { name: /^Primary Hex Colour Code/ }).fill('#123');
    await page.getByLabel('Allowed checkout redirect origins').fill('https://app.innovatise.example');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Your changes were saved.').waitFor();
    await page.getByRole('heading', { level: 1, name: /Innovatise app \(live\)/ }).waitFor();
    expect(await page.getByText('#112233').count()).toBeGreaterThan(0);
    await page.getByText('Changed the key').waitFor();

    // Escape closes a dialog and gives focus back to the button that opened it.
    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog', { name: 'Revoke this key?' }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('revoke-confirm');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Revoke');

    await page.getByRole('button', { name: 'Roll key' }).click();
    const roll = page.getByRole('dialog', { name: 'Roll this key' });
    for (const name of [/^Now/, /^1 hour/, /^24 hours/, /^7 days/]) await roll.getByRole('radio', { name }).waitFor();
    await roll.getByRole('radio', { name: /^24 hours/ }).check();
    await roll.getByRole('button', { name: 'Roll key' }).click();
    const secret = page.getByRole('dialog', { name: 'Your new API key' });
    await secret.waitFor();
    const fresh = await secret.getByLabel('Your new API key').inputValue();
    expect(fresh).not.toBe(created.key);
    await secret.getByRole('button', { name: 'Done' }).click();
    await secret.getByRole('button', { name: 'Yes, I have stored it' }).click();
    await secret.waitFor({ state: 'detached' });
    await page.getByText('Still works until').waitFor();

    expect((await me(rig.base, fresh)).status).toBe(200);
    expect((await me(rig.base, created.key)).status).toBe(200); // the old secret, within its grace period
    expect(errors).toEqual([]);
  });
});
