import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';
import { startReceiver } from '../webhooks/receiver.js';
import { HAVE_CHROMIUM, KEYS_PATH, SKIP_MESSAGE, startRig, type ConsoleRig, type InBrowser } from './harness.js';

// Used only inside page.evaluate callbacks, which run in Chromium.
declare const navigator: InBrowser;

const POLL = { timeout: 10_000, interval: 100 };

if (!HAVE_CHROMIUM) console.warn(SKIP_MESSAGE);

(HAVE_CHROMIUM ? describe : describe.skip)(`the key page's webhooks in Chromium${HAVE_CHROMIUM ? '' : ` (${SKIP_MESSAGE})`}`, () => {
  let rig: ConsoleRig;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    rig = await startRig({ config: { webhookAllowPrivate: true } });
    rx = await startReceiver();
    rig.t.deps.webhookWorker.start();
  });
  afterAll(async () => {
    await rig?.close();
    await rx?.close();
  });

  it('adds an endpoint (secret once, copy), sends a test event, pauses/resumes, rolls the secret, redelivers and deletes', async () => {
    const key = await rig.t.deps.keys.create(rig.environmentId, { reference: 'Membership sync', purpose: 'coursepro_integration', expiresOn: '2027-06-30' }, SYSTEM_ACTOR);
    const { page, errors } = await rig.newPage({ width: 1280, height: 1000 });
    await page.goto(`${KEYS_PATH}/${key.view.id}`);
    await page.waitForURL(/\/login/);
    await rig.login(page);
    await page.waitForURL(`**${KEYS_PATH}/${key.view.id}`);
    const section = page.locator('section', { has: page.getByRole('heading', { name: 'Webhooks' }) });
    await section.getByText('No webhook endpoints.').waitFor();

    // The form offers only the event types the purpose may read (CoursePro: everything but member imports).
    await section.getByRole('button', { name: 'Add endpoint' }).click();
    const offered = await section.locator('input[type="checkbox"]').evaluateAll((els) => els.map((e) => (e as unknown as { id: string }).id.replace('webhook-event-', '')));
    expect(offered).toContain('membership.updated');
    expect(offered).toContain('api_key.revoked');
    expect(offered).not.toContain('member_import.finished');

    // Client check first, then the server's field error, named beside the field.
    await section.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
    expect(await page.locator('#webhook-url-error').innerText()).toContain('Enter the URL');
    expect(await page.locator('#webhook-events-error').innerText()).toContain('at least one event type');
    await page.getByLabel('Endpoint URL').fill('https://user:pw@hooks.example.com/x');
    await page.getByLabel('membership.updated').check();
    await section.getByRole('button', { name: 'Add endpoint' }).click();
    await expect.poll(async () => page.locator('#webhook-url-error').innerText().catch(() => ''), POLL).toContain('user name or password');
    expect(await page.getByLabel('Endpoint URL').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('alert').filter({ hasText: 'There is a problem' }).innerText()).toContain('The endpoint URL must not carry a user name or password');
    await rig.shot(page, 'key-webhooks-errors');

    await page.getByLabel('Endpoint URL').fill(rx.url('/console'));
    await page.getByLabel('api_key.revoked').check();
    await page.getByLabel(/^Description/).fill('CoursePro sync');
    await section.getByRole('button', { name: 'Add endpoint' }).click();

    // The secret, once, with a copy button.
    const dialog = page.getByRole('dialog', { name: 'Your new signing secret' });
    await dialog.waitFor();
    const secret = await dialog.getByTestId('secret-value').inputValue();
    expect(secret).toMatch(/^whsec_/);
    rx.secrets.set('/console', secret);
    await rig.shot(page, 'key-webhooks-secret', { fullPage: false });
    await dialog.getByRole('button', { name: 'Copy secret' }).click();
    await dialog.getByText('The secret is on your clipboard.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.getByRole('button', { name: 'Yes, I have stored it' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(secret);

    const item = section.locator('li.webhook-item', { hasText: rx.url('/console') });
    await item.getByText('Enabled', { exact: true }).waitFor();
    expect(await item.getByRole('list', { name: 'Event types' }).innerText()).toMatch(/membership\.updated[\s\S]*api_key\.revoked/);

    // Send a test event: it reaches the receiver, signed with the secret shown, and the log says so.
    await item.getByRole('button', { name: 'Send test event' }).click();
    await expect.poll(() => rx.received.filter((r) => r.path === '/console' && r.json.type === 'webhook_endpoint.test').length, POLL).toBe(1);
    expect(rx.received[0].verified).toBe(true);
    const log = item.locator('.delivery-log');
    const testRow = log.locator('tr', { hasText: 'webhook_endpoint.test' });
    await expect.poll(async () => (await testRow.count()) > 0 && (await testRow.first().innerText()), POLL).toMatch(/Succeeded[\s\S]*HTTP 200/);
    expect(await testRow.first().locator('td').nth(3).innerText()).toBe('1');
    expect(await testRow.first().locator('td').nth(4).innerText()).toMatch(/^\d+ ms$/);
    await testRow.first().locator('summary').click();
    expect(await testRow.first().locator('pre.answer-body').innerText()).toBe('ok');
    await rig.shot(page, 'key-webhooks-log');

    // Pause, then resume.
    await item.getByRole('button', { name: 'Pause' }).click();
    await item.getByText('Paused', { exact: true }).waitFor();
    const paused = (await rig.t.deps.webhooks.listForKey(rig.environmentId, key.view.id)).data[0];
    expect(paused.status).toBe('paused');
    await item.getByRole('button', { name: 'Resume' }).click();
    await item.getByText('Enabled', { exact: true }).waitFor();

    // Roll the secret: confirmation, then the new secret once; the next delivery verifies only with it.
    await item.getByRole('button', { name: 'Roll secret' }).click();
    const confirm = page.getByRole('dialog', { name: 'Roll the signing secret?' });
    await confirm.getByRole('button', { name: 'Roll secret' }).click();
    const rolled = page.getByRole('dialog', { name: 'Your new signing secret' });
    const secret2 = await rolled.getByTestId('secret-value').inputValue();
    expect(secret2).toMatch(/^whsec_/);
    expect(secret2).not.toBe(secret);
    rx.secrets.set('/console', secret2);
    await rolled.getByRole('button', { name: 'Done' }).click();
    await rolled.getByRole('button', { name: 'Yes, I have stored it' }).click();

    // Redeliver the test delivery: a new delivery with the same webhook-id, signed with the new secret.
    const firstId = rx.received[0].headers['webhook-id'];
    await testRow.first().getByRole('button', { name: /^Redeliver/ }).click();
    await item.getByText(/was queued again/).waitFor();
    await expect.poll(() => rx.received.length, POLL).toBe(2);
    expect(rx.received[1].headers['webhook-id']).toBe(firstId);
    expect(rx.received[1].verified).toBe(true);
    await expect.poll(async () => log.locator('tr', { hasText: 'Succeeded' }).count(), POLL).toBe(2);
    await rig.shot(page, 'key-webhooks');

    // Delete, with a confirmation.
    await item.getByRole('button', { name: 'Delete' }).click();
    const del = page.getByRole('dialog', { name: 'Delete this endpoint?' });
    await rig.shot(page, 'key-webhooks-delete', { fullPage: false });
    await del.getByRole('button', { name: 'Cancel' }).click();
    expect((await rig.t.deps.webhooks.listForKey(rig.environmentId, key.view.id)).data).toHaveLength(1);
    await item.getByRole('button', { name: 'Delete' }).click();
    await del.getByRole('button', { name: 'Delete endpoint' }).click();
    await section.getByText(/was deleted/).waitFor();
    await section.getByText('No webhook endpoints.').waitFor();
    expect((await rig.t.deps.webhooks.listForKey(rig.environmentId, key.view.id)).data).toHaveLength(0);
    // Only the 400 the test provoked on purpose (the URL with a password).
    expect(errors).toEqual(['console: Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  });

  it('shows a disabled endpoint with its reason, and a revoked key’s endpoints read-only', async () => {
    const key = await rig.t.deps.keys.create(rig.environmentId, { reference: 'Old bridge', purpose: 'innovatise_bridge', expiresOn: '2027-06-30' }, SYSTEM_ACTOR);
    const ep = await rig.t.deps.webhooks.adminCreate(rig.environmentId, key.view.id, { url: rx.url('/old'), events: ['member.updated'] }, SYSTEM_ACTOR);
    await rig.t.deps.repos.webhooks.updateEndpoint(ep.id, { status: 'disabled', disabled_reason: 'Disabled after 5 days of failed deliveries' });
    const { page, errors } = await rig.newPage();
    await page.goto('/login');
    await rig.login(page);
    await page.goto(`${KEYS_PATH}/${key.view.id}`);
    const section = page.locator('section', { has: page.getByRole('heading', { name: 'Webhooks' }) });
    const item = section.locator('li.webhook-item', { hasText: rx.url('/old') });
    await item.getByText('Disabled', { exact: true }).waitFor();
    await item.getByText('Disabled after 5 days of failed deliveries').waitFor();
    expect(await item.getByRole('button', { name: 'Enable again' }).count()).toBe(1);
    await rig.shot(page, 'key-webhooks-disabled');

    await rig.t.deps.keys.revoke(rig.environmentId, key.view.id, SYSTEM_ACTOR);
    await page.reload();
    await section.getByText('Deliveries stopped: the key is revoked').waitFor();
    await item.waitFor();
    expect(await section.getByRole('button').filter({ hasText: /Add endpoint|Pause|Resume|Enable again|Send test event|Roll secret|Delete/ }).count()).toBe(0);
    await rig.shot(page, 'key-webhooks-revoked');
    expect(errors).toEqual([]);
  });
});
