import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, as, buildTestApp, capturedLogs, demoEnvId, type TestApp } from '../helpers.js';

const STAFF = { email: 'viewer@test.flow', password: 'just a viewer pass' };

function multipart(filename: string, contentType: string, data: Buffer) {
  const boundary = '----flowtest' + Math.random().toString(16).slice(2);
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`;
  const payload = Buffer.concat([Buffer.from(head), data, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe('admin API: key lifecycle', () => {
  let t: TestApp;
  let admin: { cookie: string; csrf: string };
  let viewer: { cookie: string; csrf: string };
  const secrets: string[] = [];

  beforeAll(async () => {
    t = await buildTestApp();
    await t.deps.staff.create({ environmentId: await demoEnvId(t), email: STAFF.email, role: 'staff', password: STAFF.password });
    admin = await t.login(ADMIN.email, ADMIN.password);
    viewer = await t.login(STAFF.email, STAFF.password);
  });
  afterAll(async () => t.close());

  const post = (url: string, payload: unknown, s = admin) => t.app.inject({ method: 'POST', url, headers: as(s), payload: payload as object });
  const create = async (payload: Record<string, unknown>) => {
    const res = await post('/admin/v1/api-keys', { reference: 'Key', purpose: 'flow_api', expiresOn: '2026-12-31', ...payload });
    if (res.statusCode === 201) secrets.push(res.json().key);
    return res;
  };
  const counts = async () => {
    const db = t.deps.store.db;
    const k = await db.selectFrom('api_keys').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const l = await db.selectFrom('logos').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return { keys: Number(k.n), logos: Number(l.n) };
  };

  it('creates a key with a theme: colours normalised, the secret returned once, audited without the secret', async () => {
    const png = await sharp({ create: { width: 900, height: 300, channels: 3, background: '#0a7' } }).png().toBuffer();
    const up = await t.app.inject({ method: 'POST', url: '/admin/v1/logos', ...multipart('logo.png', 'image/png', png), headers: { ...multipart('x', 'y', png).headers, ...as(admin) } });
    // (re-build the multipart so boundary and body match)
    const m = multipart('logo.png', 'image/png', png);
    const upload = await t.app.inject({ method: 'POST', url: '/admin/v1/logos', payload: m.payload, headers: { ...m.headers, ...as(admin) } });
    expect(up.statusCode).toBe(400);
    expect(upload.statusCode, upload.body).toBe(201);
    const logo = upload.json();
    expect(logo.width).toBeLessThanOrEqual(512);
    expect(logo.url).toMatch(/^\/logos\/[0-9a-f]{64}\.png$/);

    const res = await create({ reference: '  CoursePro live  ', purpose: 'coursepro_integration', theme: { logoId: logo.id, primaryColour: '#0af', secondaryColour: '#12ab9f' } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body.key).toMatch(/^flow_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$/);
    expect(body).toMatchObject({ reference: 'CoursePro live', purpose: 'coursepro_integration', purposeLabel: 'CoursePro Integration', status: 'active' });
    expect(body.theme).toMatchObject({ logoId: logo.id, logoUrl: logo.url, primaryColour: '#00AAFF', secondaryColour: '#12AB9F' });
    expect(body.preview).toBe(`flow_${body.id.slice(4)}_…${body.key.slice(-4)}`);
    expect(body.createdBy.email).toBe(ADMIN.email);

    const shown = await t.app.inject({ method: 'GET', url: `/admin/v1/api-keys/${body.id}`, headers: as(admin) });
    expect(shown.json().key).toBeUndefined();
    expect(shown.body).not.toContain(body.key);

    const logoRes = await t.app.inject({ method: 'GET', url: logo.url });
    expect(logoRes.statusCode).toBe(200);
    expect(logoRes.headers['content-type']).toBe('image/png');
    expect(logoRes.headers['cache-control']).toContain('immutable');

    const audit = await t.app.inject({ method: 'GET', url: `/admin/v1/audit-events?targetId=${body.id}`, headers: as(admin) });
    expect(audit.json().data[0]).toMatchObject({ action: 'api_key.created', actor: { type: 'staff', label: ADMIN.email }, ip: '127.0.0.1' });
    expect(audit.body).not.toContain(body.key);
  });

  it.each([
    ['empty reference', { reference: '   ' }, 400, 'reference'],
    ['101-character reference', { reference: 'x'.repeat(101) }, 400, 'reference'],
    ['unknown purpose', { purpose: 'everything' }, 400, 'purpose'],
    ['expiry in the past', { expiresOn: '2026-06-14' }, 400, 'expiresOn'],
    ['expiry more than 2 years ahead', { expiresOn: '2028-06-16' }, 400, 'expiresOn'],
    ['not a date', { expiresOn: '2026-02-30' }, 400, 'expiresOn'],
    ['colour #12', { theme: { primaryColour: '#12' } }, 400, 'theme.primaryColour'],
    ['colour red', { theme: { secondaryColour: 'red' } }, 400, 'theme.secondaryColour'],
    ['unknown logo', { theme: { logoId: 'logo_nope' } }, 400, 'theme.logoId'],
    ['bad CIDR', { allowedIps: ['10.0.0.0/33'] }, 400, 'allowedIps.0'],
    ['unknown field', { secret: 'x' }, 400, 'secret'],
  ])('refuses %s, naming the field, storing nothing', async (_name, payload, status, field) => {
    const before = await counts();
    const res = await create(payload);
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe('validation_failed');
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(field);
    expect(await counts()).toEqual(before);
  });

  it('accepts a key expiring today and one exactly 2 years ahead', async () => {
    expect((await create({ expiresOn: '2026-06-15' })).statusCode).toBe(201);
    expect((await create({ expiresOn: '2028-06-15' })).statusCode).toBe(201);
  });

  it.each([
    ['a 2 MiB logo', 'big.png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2 * 1024 * 1024)]), 413, 'payload_too_large'],
    ['a text file named .png', 'logo.png', Buffer.from('just some text, not an image\n'), 415, 'unsupported_media_type'],
    ['an SVG with a script', 'logo.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="10" height="10"/></svg>'), 400, 'validation_failed'],
    ['an SVG with an event handler', 'logo.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'), 400, 'validation_failed'],
    ['a truncated PNG', 'logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]), 400, 'validation_failed'],
  ])('refuses %s naming the file field, storing nothing', async (_name, filename, data, status, code) => {
    const before = await counts();
    const m = multipart(filename, 'image/png', data);
    const res = await t.app.inject({ method: 'POST', url: '/admin/v1/logos', payload: m.payload, headers: { ...m.headers, ...as(admin) } });
    expect(res.statusCode).toBe(status);
    expect(res.json().code).toBe(code);
    expect(res.json().errors?.[0]?.path ?? 'file').toBe('file');
    expect(await counts()).toEqual(before);
  });

  it('re-encodes a safe SVG logo to PNG', async () => {
    const svg = Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="2000" height="1000"><rect width="2000" height="1000" fill="#c00"/></svg>');
    const m = multipart('logo.svg', 'image/svg+xml', svg);
    const res = await t.app.inject({ method: 'POST', url: '/admin/v1/logos', payload: m.payload, headers: { ...m.headers, ...as(admin) } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ width: 512, height: 256 });
    const file = await t.app.inject({ method: 'GET', url: res.json().url });
    expect(file.rawPayload.subarray(1, 4).toString()).toBe('PNG');
  });

  it('lists with redacted previews, search, purpose and status filters, sort and paging', async () => {
    await create({ reference: 'Alpha importer', purpose: 'import_members' });
    await create({ reference: 'Beta bridge', purpose: 'innovatise_bridge', expiresOn: '2026-06-20' });
    const revoked = (await create({ reference: 'Gamma old' })).json();
    await post(`/admin/v1/api-keys/${revoked.id}/revoke`, {});
    const list = async (qs: string) => (await t.app.inject({ method: 'GET', url: `/admin/v1/api-keys?${qs}`, headers: as(viewer) })).json();
    const all = await list('limit=1000');
    expect(all.total).toBe(all.data.length);
    for (const k of all.data) expect(k.key).toBeUndefined();
    expect(JSON.stringify(all)).not.toMatch(/flow_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}/);
    expect((await list('q=ALPHA')).data.map((k: { reference: string }) => k.reference)).toEqual(['Alpha importer']);
    expect((await list('purpose=innovatise_bridge')).data.every((k: { purpose: string }) => k.purpose === 'innovatise_bridge')).toBe(true);
    expect((await list('status=expiring_soon')).data.map((k: { reference: string }) => k.reference)).toContain('Beta bridge');
    expect((await list('status=revoked')).data.map((k: { reference: string }) => k.reference)).toEqual(['Gamma old']);
    const sorted = (await list('sort=reference&order=asc&limit=1000')).data.map((k: { reference: string }) => k.reference.toLowerCase());
    expect(sorted).toEqual([...sorted].sort());
    const page1 = await list('limit=2');
    const page2 = await list(`limit=2&cursor=${page1.nextCursor}`);
    expect(page1.data).toHaveLength(2);
    expect(page2.data[0].id).not.toBe(page1.data[1].id);
    expect((await t.app.inject({ method: 'GET', url: '/admin/v1/api-keys?status=bogus', headers: as(viewer) })).json().errors[0].path).toBe('status');
  });

  it('updates reference and theme, revokes once (409 after), rolls with a grace and shows the new secret once', async () => {
    const k = (await create({ reference: 'Editable', theme: { primaryColour: '#111' } })).json();
    const patched = await t.app.inject({ method: 'PATCH', url: `/admin/v1/api-keys/${k.id}`, headers: as(admin), payload: { reference: 'Edited', theme: { primaryColour: null, secondaryColour: '#abc' } } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ reference: 'Edited', theme: { primaryColour: null, secondaryColour: '#AABBCC' } });
    const rolled = await post(`/admin/v1/api-keys/${k.id}/roll`, { graceSeconds: 86400 });
    expect(rolled.statusCode).toBe(200);
    secrets.push(rolled.json().key);
    expect(rolled.json().key).not.toBe(k.key);
    expect(rolled.json().previousSecretExpiresAt).toBe('2026-06-16T10:00:00.000Z');
    expect((await post(`/admin/v1/api-keys/${k.id}/roll`, { graceSeconds: 31 * 86400 })).json().errors[0].path).toBe('graceSeconds');
    expect((await post(`/admin/v1/api-keys/${k.id}/revoke`, {})).json().status).toBe('revoked');
    const again = await post(`/admin/v1/api-keys/${k.id}/revoke`, {});
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('conflict');
    const actions = (await t.app.inject({ method: 'GET', url: `/admin/v1/audit-events?targetId=${k.id}`, headers: as(admin) })).json().data.map((e: { action: string }) => e.action);
    expect(actions).toEqual(['api_key.revoked', 'api_key.rolled', 'api_key.updated', 'api_key.created']);
  });

  it('not_found for an unknown key and for another environment’s key', async () => {
    const other = await t.deps.environments.create({ slug: 'other', name: 'Other' });
    const foreign = await t.deps.keys.create(other.id, { reference: 'Theirs', purpose: 'flow_api', expiresOn: '2026-12-31' }, { type: 'system', id: null, label: 'test', ip: null });
    secrets.push(foreign.key);
    for (const id of ['key_nope', foreign.view.id]) {
      const res = await t.app.inject({ method: 'GET', url: `/admin/v1/api-keys/${id}`, headers: as(admin) });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('not_found');
      expect((await post(`/admin/v1/api-keys/${id}/revoke`, {})).statusCode).toBe(404);
    }
    const list = (await t.app.inject({ method: 'GET', url: '/admin/v1/api-keys?limit=1000', headers: as(admin) })).json();
    expect(list.data.map((k: { id: string }) => k.id)).not.toContain(foreign.view.id);
  });

  it('staff (non-admin) may view but not create, change, roll or revoke', async () => {
    const k = (await create({ reference: 'Protected' })).json();
    expect((await t.app.inject({ method: 'GET', url: `/admin/v1/api-keys/${k.id}`, headers: as(viewer) })).statusCode).toBe(200);
    for (const [method, url, payload] of [
      ['POST', '/admin/v1/api-keys', { reference: 'Nope', purpose: 'flow_api', expiresOn: '2026-12-31' }],
      ['PATCH', `/admin/v1/api-keys/${k.id}`, { reference: 'Nope' }],
      ['POST', `/admin/v1/api-keys/${k.id}/revoke`, {}],
      ['POST', `/admin/v1/api-keys/${k.id}/roll`, {}],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: as(viewer), payload });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('permission_denied');
    }
    expect((await t.deps.keys.get(k.createdBy ? (await demoEnvId(t)) : '', k.id)).status).toBe('active');
  });

  it('refuses the admin API without a session (401) and state changes without the CSRF token (403)', async () => {
    const noSession = await t.app.inject({ method: 'GET', url: '/admin/v1/api-keys' });
    expect(noSession.statusCode).toBe(401);
    expect(noSession.json().code).toBe('unauthenticated');
    const noCsrf = await t.app.inject({ method: 'POST', url: '/admin/v1/api-keys', headers: { cookie: admin.cookie }, payload: { reference: 'x', purpose: 'flow_api', expiresOn: '2026-12-31' } });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().code).toBe('csrf_failed');
    const wrongCsrf = await t.app.inject({ method: 'POST', url: '/admin/v1/api-keys', headers: { cookie: admin.cookie, 'x-csrf-token': viewer.csrf }, payload: { reference: 'x', purpose: 'flow_api', expiresOn: '2026-12-31' } });
    expect(wrongCsrf.json().code).toBe('csrf_failed');
  });

  it('sessions: httpOnly SameSite cookie, current session, logout ends it, throttles repeated failed logins', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/admin/v1/session', payload: ADMIN });
    const cookie = res.headers['set-cookie'] as string;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Max-Age=28800/);
    const s = await t.login(ADMIN.email, ADMIN.password);
    expect((await t.app.inject({ method: 'GET', url: '/admin/v1/session', headers: { cookie: s.cookie } })).json().staff).toMatchObject({ email: ADMIN.email, role: 'admin', environment: { slug: 'demo' } });
    expect((await t.app.inject({ method: 'DELETE', url: '/admin/v1/session', headers: as(s) })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/admin/v1/session', headers: { cookie: s.cookie } })).statusCode).toBe(401);

    const wrong = { email: STAFF.email, password: 'wrong password!!' };
    for (let i = 0; i < 5; i++) expect((await t.app.inject({ method: 'POST', url: '/admin/v1/session', payload: wrong })).json().code).toBe('unauthenticated');
    const locked = await t.app.inject({ method: 'POST', url: '/admin/v1/session', payload: STAFF });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().code).toBe('rate_limited');
    expect(locked.headers['retry-after']).toBeDefined();
    const unknown = await t.app.inject({ method: 'POST', url: '/admin/v1/session', payload: { email: 'nobody@test.flow', password: 'whatever it is' } });
    expect(unknown.json().detail).toBe('The email or password is incorrect.');
  });

  it('expires a session after 8 hours', async () => {
    const s = await t.login(ADMIN.email, ADMIN.password);
    const other = await t.login(ADMIN.email, ADMIN.password);
    t.clock.advance(8 * 3600 * 1000 + 1);
    expect((await t.app.inject({ method: 'GET', url: '/admin/v1/session', headers: { cookie: s.cookie } })).statusCode).toBe(401);
    // The next sign-in prunes sessions that ended without a sign-out (here: `other`, never used again).
    await t.login(ADMIN.email, ADMIN.password);
    const live = await t.deps.store.db.selectFrom('staff_sessions').select('expires_at').execute();
    expect(live.every((r) => r.expires_at > t.clock.now().toISOString())).toBe(true);
    expect((await t.app.inject({ method: 'GET', url: '/admin/v1/session', headers: { cookie: other.cookie } })).statusCode).toBe(401);
    t.clock.set('2026-06-15T10:00:00.000Z');
  });

  it('keeps no secret in the store and none in the logs', async () => {
    expect(secrets.length).toBeGreaterThan(5);
    const db = t.deps.store.db;
    const tables = ['api_keys', 'audit_events', 'key_usage_daily', 'staff_sessions'] as const;
    for (const table of tables) {
      const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
      const text = JSON.stringify(rows.rows);
      for (const s of secrets) {
        expect(text).not.toContain(s);
        expect(text).not.toContain(s.slice(18, 50));
      }
    }
    if (t.deps.store.file) {
      await sql`pragma wal_checkpoint(FULL)`.execute(db);
      for (const file of [t.deps.store.file, t.deps.store.file + '-wal'].filter((f) => fs.existsSync(f))) {
        const bytes = fs.readFileSync(file).toString('latin1');
        for (const s of secrets) expect(bytes.includes(s.slice(18, 50)), path.basename(file)).toBe(false);
      }
    }
    const logs = capturedLogs.join('');
    expect(logs.length).toBeGreaterThan(0);
    for (const s of secrets) expect(logs).not.toContain(s.slice(18, 50));
  });
});
