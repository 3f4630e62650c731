import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`docs browser tests skipped: Chromium not found at ${CHROMIUM}`);
const SHOTS = path.resolve('test-results/screenshots');

// A host name that is not localhost, over plain http: where `upgrade-insecure-requests` turned /docs blank.
describe.skipIf(!hasChromium)('/docs in Chromium on http://flow.test', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  const failures: string[] = [];

  beforeAll(async () => {
    t = await buildTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://flow.test:${(t.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--host-resolver-rules=MAP flow.test 127.0.0.1', '--no-sandbox'] });
    fs.mkdirSync(SHOTS, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function open(url: string) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('requestfailed', (r) => failures.push(`${r.url()}: ${r.failure()?.errorText}`));
    await page.goto(base + url);
    return page;
  }

  it('renders the public API reference by default, with a link to getting started', async () => {
    const page = await open('/docs/');
    await expect.poll(() => page.getByText('Create a member', { exact: true }).isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await page.getByText('Sign in with email and password; sets the session cookie').count()).toBe(0);
    expect(await page.getByText('Test provider only: confirm a pending Direct Debit mandate', { exact: false }).count()).toBe(0);
    expect(await page.locator('a[href="/docs/getting-started"]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SHOTS, 'docs-public.png'), fullPage: false });
    expect(failures).toEqual([]);
    await page.close();
  }, 60_000);

  it('documents the admin API apart (/docs/admin)', async () => {
    const page = await open('/docs/admin');
    await expect.poll(() => page.getByText('Sign in with email and password; sets the session cookie').isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await page.getByText('Create a member', { exact: true }).count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'docs-admin.png') });
    await page.close();
  }, 60_000);

  it('shows the getting-started page and the error reference', async () => {
    const page = await open('/docs/getting-started');
    await expect.poll(() => page.getByRole('heading', { name: 'Getting started with the FLOW API' }).isVisible()).toBe(true);
    expect(await page.getByRole('heading', { name: '4. Retry safely' }).isVisible()).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'docs-getting-started.png'), fullPage: true });
    await page.goto(`${base}/docs/errors#key_expired`);
    expect(await page.locator('#key_expired').isVisible()).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'docs-errors.png') });
    expect(failures).toEqual([]);
    await page.close();
  }, 60_000);
});
