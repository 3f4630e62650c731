import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, SKIP_MESSAGE, startRig, type ConsoleRig } from './harness.js';

if (!HAVE_CHROMIUM) console.warn(SKIP_MESSAGE);

// `next` values that must never be followed: other origins in disguise (a backslash is a slash to the
// browser, so `/\evil` is `//evil`), control characters, non-paths, and the login page itself.
const HOSTILE = [
  '/\\evil.example/x',
  '\\\\evil.example/x',
  '//evil.example/x',
  '/\t/evil.example/x',
  'https://evil.example/x',
  'javascript:alert(1)',
  '/login?next=/audit-log',
];

(HAVE_CHROMIUM ? describe : describe.skip)(`sign-in return address (next) in Chromium${HAVE_CHROMIUM ? '' : ` (${SKIP_MESSAGE})`}`, () => {
  let rig: ConsoleRig;
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(async () => rig?.close());

  it('/login?next=/\\evil.example/x shows the login page and, after sign-in, lands on home (not a blank page)', async () => {
    const { page, errors } = await rig.newPage();
    await page.goto('/login?next=/\\evil.example/x');
    await page.getByRole('heading', { level: 1, name: 'Sign in to FLOW' }).waitFor();
    await rig.login(page);
    await page.waitForURL(`${rig.base}/`);
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    expect(errors).toEqual([]);
  });

  it('signed in, every hostile next goes home on this origin', async () => {
    const { page, errors } = await rig.newPage();
    await page.goto('/login');
    await rig.login(page);
    for (const next of HOSTILE) {
      await page.goto(`/login?next=${encodeURIComponent(next)}`);
      await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
      expect(page.url(), next).toBe(`${rig.base}/`);
    }
    expect(errors).toEqual([]);
  });

  it('a same-origin path with its query is still returned to', async () => {
    const { page, errors } = await rig.newPage();
    await page.goto(`/login?next=${encodeURIComponent('/audit-log?from=home')}`);
    await rig.login(page);
    await page.waitForURL(`${rig.base}/audit-log?from=home`);
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    expect(errors).toEqual([]);
  });
});
