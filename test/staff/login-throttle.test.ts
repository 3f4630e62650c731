import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, demoEnvId, fixedClock, type FixedClock, type TestApp } from '../helpers.js';

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) console.warn('[staff/login-throttle] two-node Redis cases skipped: set REDIS_URL to run them');

const WINDOW_MS = 15 * 60 * 1000;
const PASSWORD = 'the right password 42';

interface Rig {
  apps: TestApp[];
  clock: FixedClock;
}

/** One sign-in attempt; `n` picks the node (round robin), `ip` the client address. */
async function attempt(rig: Rig, n: number, email: string, password: string, ip: string) {
  const app = rig.apps[n % rig.apps.length].app;
  return app.inject({ method: 'POST', url: '/admin/v1/session', remoteAddress: ip, payload: { email, password } });
}

/** Fires `count` sign-ins at once (one Promise.all) and sorts the answers by status. */
async function burst(rig: Rig, count: number, req: (i: number) => { email: string; password: string; ip: string }) {
  const answers = await Promise.all(Array.from({ length: count }, (_, i) => {
    const r = req(i);
    return attempt(rig, i, r.email, r.password, r.ip);
  }));
  const byStatus = (s: number) => answers.filter((a) => a.statusCode === s);
  return { answers, checked: byStatus(401), limited: byStatus(429), other: answers.filter((a) => a.statusCode !== 401 && a.statusCode !== 429) };
}

function expectLimited(res: { statusCode: number; headers: Record<string, unknown>; json(): { code: string } }) {
  expect(res.statusCode).toBe(429);
  expect(res.json().code).toBe('rate_limited');
  const retry = Number(res.headers['retry-after']);
  expect(Number.isInteger(retry)).toBe(true);
  expect(retry).toBeGreaterThan(0);
  expect(retry).toBeLessThanOrEqual(WINDOW_MS / 1000);
}

/** The same promises on one node (in-memory counters) and on two nodes sharing Redis. */
function throttleCases(setup: () => Promise<Rig>) {
  let rig: Rig;
  beforeAll(async () => {
    rig = await setup();
  });
  afterAll(async () => {
    for (const t of rig?.apps ?? []) await t.close();
  });

  async function user(email: string) {
    for (const t of rig.apps) await t.deps.staff.create({ environmentId: await demoEnvId(t), email, role: 'staff', password: PASSWORD });
  }

  it.each([40, 100])('%i concurrent wrong passwords for one email: at most 5 are checked, the rest 429; the right one waits for the window', async (count) => {
    const email = `target${count}@test.flow`;
    await user(email);
    // Each guess from its own address, so only the per-email limit is in play.
    const r = await burst(rig, count, (i) => ({ email, password: `wrong guess number ${i}`, ip: `198.51.${count}.${i + 1}` }));
    expect(r.other.map((a) => a.statusCode)).toEqual([]);
    expect(r.checked.length).toBe(5);
    for (const a of r.checked) expect(a.json().code).toBe('unauthenticated');
    for (const a of r.limited) expectLimited(a);

    // The right password is not checked either while the window holds the five failures, on any node.
    for (let n = 0; n < rig.apps.length; n++) expectLimited(await attempt(rig, n, email, PASSWORD, '192.0.2.1'));
    rig.clock.advance(WINDOW_MS - 1000);
    expectLimited(await attempt(rig, 0, email, PASSWORD, '192.0.2.1'));
    rig.clock.advance(1000);
    const ok = await attempt(rig, 1, email, PASSWORD, '192.0.2.1');
    expect(ok.statusCode).toBe(200);
    expect(ok.json().staff.email).toBe(email);
  });

  it('an unknown email is counted the same way (no way to tell it from a real one)', async () => {
    const email = 'nobody-here@test.flow';
    const r = await burst(rig, 40, (i) => ({ email, password: `wrong guess number ${i}`, ip: `203.0.113.${i + 1}` }));
    expect(r.checked.length).toBe(5);
    for (const a of r.checked) expect(a.json().detail).toBe('The email or password is incorrect.');
    expect(r.limited.length).toBe(35);
    rig.clock.advance(WINDOW_MS);
  });

  it('per address: at most 50 checks in 15 minutes across different emails, concurrently', async () => {
    const ip = '100.64.0.7';
    await user('office@test.flow');
    // 70 different emails (known and unknown) from one address, all at once.
    const r = await burst(rig, 70, (i) => ({ email: i === 0 ? 'office@test.flow' : `guess${i}@test.flow`, password: `wrong guess ${i}xx`, ip }));
    expect(r.other.map((a) => a.statusCode)).toEqual([]);
    expect(r.checked.length).toBe(50);
    expect(r.limited.length).toBe(20);
    for (const a of r.limited) expectLimited(a);
    // The address is held back even with the right password; another address is not.
    expectLimited(await attempt(rig, 0, 'office@test.flow', PASSWORD, ip));
    expect((await attempt(rig, 1, 'office@test.flow', PASSWORD, '100.64.0.8')).statusCode).toBe(200);
    rig.clock.advance(WINDOW_MS);
    expect((await attempt(rig, 0, 'office@test.flow', PASSWORD, ip)).statusCode).toBe(200);
  });

  it('a successful sign-in does not use up the budget; earlier failures still count', async () => {
    const email = 'regular@test.flow';
    const ip = '100.64.1.1';
    await user(email);
    // Twenty sign-ins in a row (e.g. many tabs, many days' work): all succeed.
    for (let i = 0; i < 20; i++) expect((await attempt(rig, i, email, PASSWORD, ip)).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) expect((await attempt(rig, i, email, 'not it at all', ip)).statusCode).toBe(401);
    expect((await attempt(rig, 0, email, PASSWORD, ip)).statusCode).toBe(200);
    // The success did not wipe the four failures: one more wrong guess fills the budget.
    expect((await attempt(rig, 1, email, 'not it at all', ip)).statusCode).toBe(401);
    expectLimited(await attempt(rig, 0, email, PASSWORD, ip));
    rig.clock.advance(WINDOW_MS);
  });
}

describe('login throttle, one node (in-memory counters)', () => {
  throttleCases(async () => {
    const clock = fixedClock();
    return { clock, apps: [await buildTestApp({ clock })] };
  });
});

describe.skipIf(!REDIS_URL)('login throttle, two nodes sharing Redis', () => {
  throttleCases(async () => {
    const clock = fixedClock();
    const config = { redisUrl: REDIS_URL, redisPrefix: `t-login-${randomBytes(4).toString('hex')}:` };
    const apps = await Promise.all([buildTestApp({ clock, config }), buildTestApp({ clock, config })]);
    return { clock, apps };
  });
});
