import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { FieldError } from '../../src/kernel/errors.js';
import { checkCidrs, ipMatcher } from '../../src/keys/key-rules.js';
import { ADMIN, buildTestApp, type TestApp } from '../helpers.js';

describe('IP allowlist rules', () => {
  it('normalises single addresses to /32 and /128 and keeps CIDR blocks', () => {
    const errors: FieldError[] = [];
    expect(checkCidrs('allowedIps', [' 203.0.113.7 ', '198.51.100.0/24', '2001:db8::/32', '::1', '::ffff:192.0.2.0/120'], errors)).toEqual([
      '203.0.113.7/32',
      '198.51.100.0/24',
      '2001:db8::/32',
      '::1/128',
      '::ffff:192.0.2.0/120',
    ]);
    expect(errors).toEqual([]);
  });

  it('refuses what is not an address or block, naming the entry', () => {
    const bad = ['10.0.0.0/33', '2001:db8::/129', '10.0.0.256', 'example.com', '10.0.0.0/24/1', '', '010.0.0.1', '10.0.0.0/', '10.0.0.0/-1', 'fe80::1%eth0', '1.2.3.4/ 8'];
    const errors: FieldError[] = [];
    checkCidrs('allowedIps', bad, errors);
    expect(errors.map((e) => e.path)).toEqual(bad.map((_, i) => `allowedIps.${i}`));
  });

  it('an empty list allows every address', () => {
    expect(ipMatcher([])).toBeUndefined();
  });

  it('matches IPv4 blocks, for plain and IPv4-mapped IPv6 callers', () => {
    const allowed = ipMatcher(['203.0.113.0/24', '198.51.100.7/32'])!;
    expect(allowed('203.0.113.1')).toBe(true);
    expect(allowed('203.0.113.255')).toBe(true);
    expect(allowed('203.0.114.0')).toBe(false);
    expect(allowed('198.51.100.7')).toBe(true);
    expect(allowed('198.51.100.8')).toBe(false);
    // What a dual-stack listener reports for an IPv4 client, dotted and hex, any case.
    expect(allowed('::ffff:203.0.113.9')).toBe(true);
    expect(allowed('::FFFF:203.0.113.9')).toBe(true);
    expect(allowed('::ffff:cb00:7109')).toBe(true); // 203.0.113.9
    expect(allowed('::ffff:cb00:7209')).toBe(false); // 203.0.114.9
    expect(allowed('::ffff:198.51.100.8')).toBe(false);
    // A native IPv6 address is not an IPv4 one, whatever its low bits.
    expect(allowed('2001:db8::cb00:7109')).toBe(false);
    expect(allowed('::cb00:7109')).toBe(false);
    expect(allowed('')).toBe(false);
    expect(allowed('not an ip')).toBe(false);
  });

  it('matches IPv6 blocks in any notation', () => {
    const allowed = ipMatcher(['2001:db8:abcd::/48', '::1/128'])!;
    expect(allowed('2001:db8:abcd::1')).toBe(true);
    expect(allowed('2001:DB8:ABCD:0:0:0:0:FFFF')).toBe(true);
    expect(allowed('2001:db8:abcd:ffff:ffff:ffff:ffff:ffff')).toBe(true);
    expect(allowed('2001:db8:abce::1')).toBe(false);
    expect(allowed('::1')).toBe(true);
    expect(allowed('127.0.0.1')).toBe(false);
    expect(allowed('203.0.113.1')).toBe(false);
  });

  it('an IPv4-mapped IPv6 block matches the IPv4 callers inside it', () => {
    const allowed = ipMatcher(['::ffff:192.0.2.0/120'])!;
    expect(allowed('192.0.2.44')).toBe(true);
    expect(allowed('::ffff:192.0.2.44')).toBe(true);
    expect(allowed('192.0.3.44')).toBe(false);
  });

  it('/0 blocks allow their whole family only', () => {
    const v4 = ipMatcher(['0.0.0.0/0'])!;
    expect(v4('8.8.8.8')).toBe(true);
    expect(v4('::ffff:8.8.8.8')).toBe(true);
    expect(v4('2001:db8::1')).toBe(false);
    const v6 = ipMatcher(['::/0'])!;
    expect(v6('2001:db8::1')).toBe(true);
  });
});

describe('FLOW_TRUST_PROXY', () => {
  it('never trusts every hop: true means the one load balancer in front', () => {
    const trust = loadConfig({ FLOW_TRUST_PROXY: 'true' }).trustProxy as (a: string, hop: number) => boolean;
    expect(trust('10.0.0.2', 0)).toBe(true);
    expect(trust('203.0.113.5', 1)).toBe(false);
    expect(loadConfig({ FLOW_TRUST_PROXY: '10.0.0.0/8, 2001:db8::/32' }).trustProxy).toEqual(['10.0.0.0/8', '2001:db8::/32']);
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(() => loadConfig({ FLOW_TRUST_PROXY: 'everyone' })).toThrow(/FLOW_TRUST_PROXY/);
  });
});

describe('IP allowlist on /v1', () => {
  let t: TestApp;
  let lb: TestApp;
  let s: { cookie: string; csrf: string };
  beforeAll(async () => {
    t = await buildTestApp();
    lb = await buildTestApp({ config: { trustProxy: loadConfig({ FLOW_TRUST_PROXY: '1' }).trustProxy } });
    s = await t.login(ADMIN.email, ADMIN.password);
  });
  afterAll(async () => {
    await t.close();
    await lb.close();
  });

  const me = (app: TestApp, key: string, remoteAddress: string, headers: Record<string, string> = {}) =>
    app.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${key}`, ...headers }, remoteAddress });

  it('set on create and changed by PATCH; a call from elsewhere gets 403 ip_not_allowed', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/api-keys',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
      payload: { reference: 'Allowlisted', purpose: 'flow_api', expiresOn: '2026-12-31', allowedIps: ['203.0.113.0/24'] },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().allowedIps).toEqual(['203.0.113.0/24']);
    const { key, id } = created.json() as { key: string; id: string };
    expect((await me(t, key, '203.0.113.10')).statusCode).toBe(200);
    expect((await me(t, key, '::ffff:203.0.113.10')).statusCode).toBe(200);
    const refused = await me(t, key, '198.51.100.1');
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json().code).toBe('ip_not_allowed');
    expect((await me(t, key, '2001:db8::1')).json().code).toBe('ip_not_allowed');

    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/admin/v1/api-keys/${id}`,
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
      payload: { allowedIps: ['2001:db8::/32'] },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    // The change takes effect at once (the cache is invalidated), for both families.
    expect((await me(t, key, '2001:db8:1::5')).statusCode).toBe(200);
    expect((await me(t, key, '203.0.113.10')).json().code).toBe('ip_not_allowed');

    const cleared = await t.app.inject({ method: 'PATCH', url: `/admin/v1/api-keys/${id}`, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf }, payload: { allowedIps: [] } });
    expect(cleared.statusCode).toBe(200);
    expect((await me(t, key, '198.51.100.1')).statusCode).toBe(200);
  });

  it('refuses a bad entry with 400 naming it', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/api-keys',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
      payload: { reference: 'Bad list', purpose: 'flow_api', expiresOn: '2026-12-31', allowedIps: ['203.0.113.0/24', '300.1.1.1'] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([expect.objectContaining({ path: 'allowedIps.1' })]);
  });

  it('behind a load balancer, a forged X-Forwarded-For entry does not get past the allowlist', async () => {
    const ls = await lb.login(ADMIN.email, ADMIN.password);
    const created = await lb.app.inject({
      method: 'POST',
      url: '/admin/v1/api-keys',
      headers: { cookie: ls.cookie, 'x-csrf-token': ls.csrf },
      payload: { reference: 'Behind LB', purpose: 'flow_api', expiresOn: '2026-12-31', allowedIps: ['203.0.113.0/24'] },
    });
    const key = created.json().key as string;
    // The load balancer (10.0.0.2) appends the real client to X-Forwarded-For.
    expect((await me(lb, key, '10.0.0.2', { 'x-forwarded-for': '203.0.113.5' })).statusCode).toBe(200);
    // The client forged the first entry; the real one (appended by the balancer) is outside the list.
    expect((await me(lb, key, '10.0.0.2', { 'x-forwarded-for': '203.0.113.5, 198.51.100.9' })).json().code).toBe('ip_not_allowed');
  });
});
