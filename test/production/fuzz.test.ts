import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';
import { generateKey } from '../../src/kernel/key-format.js';
import { ADMIN, buildTestApp, type TestApp } from '../helpers.js';

// FUZZ_RUNS / FUZZ_SEED let `npm run bench` helpers (bench/fuzz.js) run longer or replay a seed.
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261126);

/** mulberry32: a small seeded PRNG, so a failing run can be replayed from its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

const NASTY = ['', ' ', '\u0000', '\u202e', '😀', 'Ω≈ç√', '%00', '%2e%2e%2f', '../../etc/passwd', '<script>alert(1)</script>', "' OR 1=1 --", '${7*7}', '{{7*7}}', '\\', '"', 'null', 'undefined', 'NaN', '-1', '0', '1e309', '9'.repeat(40), 'A'.repeat(5000), 'flow_', 'key_', '__proto__', 'constructor'];

function randString(r: Rng): string {
  if (r.chance(0.4)) return r.pick(NASTY);
  const len = r.pick([1, 3, 12, 56, 100, 300]);
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(r.chance(0.9) ? 32 + r.int(95) : r.int(0x3000));
  return s;
}

function randJson(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 3 ? 5 : 8)) {
    case 0: return randString(r);
    case 1: return r.pick([0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 2 ** 63]);
    case 2: return r.chance(0.5);
    case 3: return null;
    case 4: return r.pick(['2026-12-31', '2026-02-30', '1999-01-01', '9999-12-31', 'flow_api', 'import_members', '#fff', '#GGGGGG', '203.0.113.0/24', '::1/129', 'https://a.example', 'javascript:alert(1)']);
    case 5: return Array.from({ length: depth === 0 ? r.pick([0, 1, 3, 20, 1001]) : r.pick([0, 1, 3]) }, () => randJson(r, depth + (depth === 0 ? 4 : 1)));
    default: {
      const o: Record<string, unknown> = {};
      const fields = ['reference', 'purpose', 'expiresOn', 'theme', 'allowedIps', 'allowedRedirectOrigins', 'rateLimitPerMinute', 'graceSeconds', 'keys', 'email', 'password', 'primaryColour', 'logoId', '__proto__', 'constructor', 'id'];
      for (let i = r.int(6); i > 0; i--) o[r.chance(0.8) ? r.pick(fields) : randString(r)] = randJson(r, depth + 1);
      return o;
    }
  }
}

describe('fuzz: random headers, keys and bodies against /v1 and /admin/v1', () => {
  let t: TestApp;
  let key: string;
  let keyId: string;
  let decoys: string[];
  let session: { cookie: string; csrf: string };

  beforeAll(async () => {
    t = await buildTestApp();
    const env = await t.deps.environments.get('demo');
    const made = await t.deps.keys.create(env.id, { reference: 'Fuzz', purpose: 'flow_api', expiresOn: '2026-12-31', rateLimitPerMinute: 1_000_000 }, SYSTEM_ACTOR);
    key = made.key;
    keyId = made.view.id;
    decoys = [];
    for (let i = 0; i < 3; i++) decoys.push((await t.deps.keys.create(env.id, { reference: `Decoy ${i}`, purpose: 'import_members', expiresOn: '2026-12-31' }, SYSTEM_ACTOR)).view.id);
    session = await t.login(ADMIN.email, ADMIN.password);
  });
  afterAll(async () => t.close());

  it(`${RUNS} random requests: no 5xx, no secret echoed, nothing accepted without the right credentials`, async () => {
    const r = prng(SEED);
    const failures: string[] = [];
    const counts: Record<string, number> = {};
    const publicId = keyId.slice(4);
    const mutate = (s: string) => {
      const i = r.int(s.length);
      return s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ (1 + r.int(7))) + s.slice(i + 1);
    };

    for (let run = 0; run < RUNS; run++) {
      const id = r.pick([...decoys, 'key_' + randString(r).slice(0, 20), encodeURIComponent(randString(r)), 'key_000000000000']);
      const path = r.pick([
        '/v1/me',
        '/v1/me',
        '/v1/keys/revoke-leaked',
        `/v1/${encodeURIComponent(randString(r))}`,
        '/v1/members',
        '/admin/v1/api-keys',
        '/admin/v1/api-keys',
        `/admin/v1/api-keys/${id}`,
        `/admin/v1/api-keys/${id}/revoke`,
        `/admin/v1/api-keys/${id}/roll`,
        `/admin/v1/api-keys/${id}/usage`,
        '/admin/v1/purposes',
        '/admin/v1/audit-events',
        '/admin/v1/expiring-keys',
        '/admin/v1/logos',
        r.chance(0.1) ? '/admin/v1/session' : '/admin/v1/api-keys',
      ]);
      const query = r.chance(0.3) ? `?${encodeURIComponent(r.pick(['limit', 'cursor', 'status', 'sort', 'order', 'q', 'purpose', 'days', randString(r)]))}=${encodeURIComponent(JSON.stringify(randJson(r)) ?? '')}` : '';
      const method = r.pick(['GET', 'GET', 'POST', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD', 'OPTIONS'] as const);

      // Credentials: the real key, a mutated one, a forged one (right id, valid checksum, wrong secret), junk.
      const keyChoice = r.chance(0.3) ? 0 : r.int(6);
      const presented = keyChoice === 0 ? key : keyChoice === 1 ? mutate(key) : keyChoice === 2 ? generateKey(publicId).key : keyChoice === 3 ? randString(r) : undefined;
      const headers: Record<string, string> = {};
      if (presented !== undefined) {
        if (r.chance(0.5)) headers.authorization = r.pick(['Bearer ', 'bearer ', 'Basic ', '', 'Bearer  ', 'BEARER   ']) + presented;
        else headers['x-api-key'] = presented;
        // Both headers, the second with the same key or another one: a different key must never be ignored.
        if (r.chance(0.1)) headers[headers.authorization === undefined ? 'authorization' : 'x-api-key'] = r.chance(0.5) ? presented : mutate(key);
      }
      const goodCookie = r.chance(0.6);
      if (goodCookie) headers.cookie = session.cookie;
      else if (r.chance(0.3)) headers.cookie = `flow_session=${r.chance(0.5) ? mutate(session.cookie.slice(13)) : randString(r).replace(/[;\r\n]/g, '')}`;
      const goodCsrf = r.chance(0.7);
      if (goodCsrf) headers['x-csrf-token'] = session.csrf;
      else if (r.chance(0.3)) headers['x-csrf-token'] = mutate(session.csrf);
      if (r.chance(0.2)) headers['x-forwarded-for'] = randString(r).replace(/[\r\n]/g, '');
      if (r.chance(0.1)) headers[randString(r).replace(/[^a-z-]/gi, '').slice(0, 30) || 'x-junk'] = randString(r).replace(/[^\x20-\x7e]/g, '');

      let payload: string | undefined;
      if (method !== 'GET' && method !== 'HEAD' && r.chance(0.85)) {
        const kind = r.int(10);
        if (kind < 6) {
          let body = randJson(r);
          // The one thing a fuzzer must not do by accident: report the live key as leaked.
          if (path === '/v1/keys/revoke-leaked' && JSON.stringify(body).includes(key)) body = { keys: ['x'] };
          payload = JSON.stringify(body);
          headers['content-type'] = r.pick(['application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/problem+json']);
        } else if (kind === 6) {
          payload = randString(r);
          headers['content-type'] = 'application/json';
        } else if (kind === 7) {
          payload = randString(r);
          headers['content-type'] = r.pick(['text/plain', 'text/csv', 'application/xml', 'multipart/form-data', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', '', 'a/b/c']);
        } else if (kind === 8) {
          payload = `--x\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n${randString(r)}\r\n--x--\r\n`;
          headers['content-type'] = 'multipart/form-data; boundary=x';
        } else {
          payload = '{"a":"' + 'x'.repeat(1024 * 1024 + 10) + '"}';
          headers['content-type'] = 'application/json';
        }
      }

      let res;
      try {
        res = await t.app.inject({ method, url: path + query, headers, payload, remoteAddress: `10.${r.int(4)}.${r.int(256)}.${r.int(256)}` });
      } catch (err) {
        failures.push(`#${run} ${method} ${path}: inject threw ${(err as Error).message}`);
        continue;
      }
      const status = res.statusCode;
      counts[status] = (counts[status] ?? 0) + 1;
      const where = `#${run} ${method} ${(path + query).slice(0, 100)} → ${status} [${JSON.stringify({ ...headers, cookie: headers.cookie?.slice(0, 20) }).slice(0, 300)}] ${(payload ?? '').slice(0, 100)}`;
      if (status >= 500) failures.push(`${where}: ${res.body.slice(0, 200)}`);
      if (res.body.includes(key.slice(18))) failures.push(`${where}: echoed the secret`);
      if (status >= 400 && method !== 'HEAD' && !String(res.headers['content-type']).includes('application/problem+json')) {
        failures.push(`${where}: error without problem+json (${res.headers['content-type']})`);
      }
      if (status < 300) {
        // What may succeed, and only with the right credentials.
        // The exact key, as X-API-Key or as the Authorization value (Bearer scheme in any case, extra spaces trimmed, or bare).
        // Both headers only when both carry it.
        const viaAuth = headers.authorization !== undefined && headers.authorization.endsWith(key) && /^(bearer +)?$/i.test(headers.authorization.slice(0, -key.length));
        const viaHeader = headers['x-api-key'] === key;
        const exactKey = presented === key && (headers.authorization === undefined ? viaHeader : headers['x-api-key'] === undefined ? viaAuth : viaAuth && viaHeader);
        if (path.startsWith('/v1/') && path !== '/v1/keys/revoke-leaked' && method !== 'OPTIONS' && !exactKey) failures.push(`${where}: accepted without the key`);
        if (path.startsWith('/admin/v1/') && path !== '/admin/v1/session' && !goodCookie) failures.push(`${where}: accepted without a session`);
        if (path.startsWith('/admin/v1/') && path !== '/admin/v1/session' && !['GET', 'HEAD', 'OPTIONS'].includes(method) && !goodCsrf) failures.push(`${where}: state change without CSRF`);
        if (path === '/admin/v1/session' && method === 'POST') failures.push(`${where}: signed in without the password`);
      }
      // A legitimate logout by the fuzzer: sign in again so the rest of the run still has a session.
      if (path === '/admin/v1/session' && method === 'DELETE' && status < 300) session = await t.login(ADMIN.email, ADMIN.password);
      if (failures.length > 25) break;
    }
    console.log(`[production/fuzz] seed ${SEED}, ${RUNS} requests, statuses ${JSON.stringify(counts)}`);
    expect(failures).toEqual([]);
    // The real key still works: the fuzz revoked or rolled nothing it should not have.
    expect((await t.app.inject({ method: 'GET', url: '/v1/me', headers: { 'x-api-key': key } })).statusCode).toBe(200);
  }, 300_000);
});
