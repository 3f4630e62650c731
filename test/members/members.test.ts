import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';
import { newId } from '../../src/kernel/ids.js';
import { hasControlCharacters } from '../../src/kernel/rules/control-characters.js';
import type { TestApp } from '../helpers.js';
import { apiWorld, auth, type ApiWorld } from '../world.js';

describe('members', () => {
  let t: TestApp;
  let w: ApiWorld;
  let k: Record<string, string>;
  beforeAll(async () => void ({ t, w, k } = await apiWorld('flow_api')));
  afterAll(async () => t.close());

  const create = (i: number | string) => t.deps.members.create(w.env.id, { firstName: `F${i}`, lastName: `L${i}`, email: `m${i}@page.example` }, SYSTEM_ACTOR);
  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: k });

  it('creates a member with the contract shape and required fields', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/members',
      headers: k,
      payload: { firstName: 'Grace', lastName: 'Hopper', email: 'Grace@Example.com', dateOfBirth: '1990-12-09', address: { line1: '1 Navy Way', postcode: 'LS1 1AA' }, homeSiteId: w.siteId, marketingOptIn: true, externalRefs: [{ system: 'crm', id: '77' }] },
    });
    expect(res.statusCode, res.body).toBe(201);
    const m = res.json();
    expect(Object.keys(m).sort()).toEqual(['address', 'createdAt', 'dateOfBirth', 'email', 'externalRefs', 'firstName', 'homeSiteId', 'id', 'lastName', 'marketingOptIn', 'memberNumber', 'phone', 'updatedAt'].sort());
    expect(m.id).toMatch(/^mem_/);
    expect(m.address).toEqual({ line1: '1 Navy Way', line2: null, town: null, postcode: 'LS1 1AA' });
    expect(res.headers.etag).toBeDefined();
    const missing = await t.app.inject({ method: 'POST', url: '/v1/members', headers: k, payload: { firstName: 'No' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors.map((e: { path: string }) => e.path).sort()).toEqual(['email', 'lastName']);
    const byEmail = await get('/v1/members?email=grace%40example.COM');
    expect(byEmail.json().data.map((x: { id: string }) => x.id)).toEqual([m.id]);
    const taken = await t.app.inject({ method: 'POST', url: '/v1/members', headers: k, payload: { firstName: 'A', lastName: 'B', email: 'x@y.example', memberNumber: m.memberNumber } });
    expect(taken.statusCode).toBe(409);
  });

  it('pages are stable under inserts: every member seen exactly once', async () => {
    for (let i = 0; i < 12; i++) await create(`p${i}`);
    const seen: string[] = [];
    let cursor: string | null = null;
    let inserted = 0;
    do {
      const res = await get(`/v1/members?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json();
      seen.push(...page.data.map((m: { id: string }) => m.id));
      cursor = page.nextCursor;
      // Insert between page reads, with the same timestamp (fixed clock) and random ids.
      for (let i = 0; i < 3; i++) await create(`ins${inserted++}`);
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const before = await t.deps.membersRepo.count(w.env.id);
    expect(seen.length).toBeGreaterThanOrEqual(14);
    expect(seen.length).toBeLessThanOrEqual(before);
    const bad = await get('/v1/members?cursor=not-a-cursor');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].path).toBe('cursor');
    expect((await get('/v1/members?limit=101')).statusCode).toBe(400);
    expect((await get('/v1/members?limit=0')).statusCode).toBe(400);
  });

  it('updatedSince returns changes in order without gaps, and a cursor continues from the last', async () => {
    t.clock.advance(60_000);
    const since = t.clock.now().toISOString();
    const feed: string[] = [];
    let cursor: string | null = null;
    const drain = async () => {
      for (;;) {
        const res = await get(`/v1/members?updatedSince=${since}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.statusCode, res.body).toBe(200);
        const page = res.json();
        feed.push(...page.data.map((m: { id: string }) => m.id));
        // The resume cursor marks the last change seen; the next poll continues from it.
        cursor = page.resumeCursor;
        if (!page.nextCursor) return;
        expect(page.resumeCursor).toBe(page.nextCursor);
      }
    };
    const changed: string[] = [];
    for (let i = 0; i < 5; i++) changed.push((await create(`u${i}`)).id);
    // A member changed while we page: it moves to the end of the feed, never into a gap.
    await drain();
    const touched = changed[1];
    await t.deps.members.update(w.env.id, touched, { phone: '0113 000 0000' }, SYSTEM_ACTOR);
    changed.push(touched);
    const later = (await create('u-late')).id;
    changed.push(later);
    // Continue from the last cursor we held.
    await drain();
    // Every change appears exactly once, in change order: the touched member again after its change.
    expect(feed).toEqual(changed);
    await drain();
    expect(feed).toEqual(changed);
  });

  it('Idempotency-Key: same key and body replays; another body is 409', async () => {
    const body = { firstName: 'Idem', lastName: 'Potent', email: 'idem@example.com' };
    const h = { ...k, 'idempotency-key': 'create-idem-1' };
    const first = await t.app.inject({ method: 'POST', url: '/v1/members', headers: h, payload: body });
    const count = await t.deps.membersRepo.count(w.env.id);
    const again = await t.app.inject({ method: 'POST', url: '/v1/members', headers: h, payload: { email: 'idem@example.com', lastName: 'Potent', firstName: 'Idem' } });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await t.deps.membersRepo.count(w.env.id)).toBe(count);
    const other = await t.app.inject({ method: 'POST', url: '/v1/members', headers: h, payload: { ...body, firstName: 'Other' } });
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('conflict');
    // After 24 hours the key may be used afresh.
    t.clock.advance(24 * 3600 * 1000 + 1000);
    const fresh = await t.app.inject({ method: 'POST', url: '/v1/members', headers: h, payload: { ...body, firstName: 'Other' } });
    expect(fresh.statusCode).toBe(201);
    expect(fresh.json().id).not.toBe(first.json().id);
    // A request that failed validation does not burn the key.
    const h2 = { ...k, 'idempotency-key': 'create-idem-2' };
    const failed = await t.app.inject({ method: 'POST', url: '/v1/members', headers: h2, payload: { ...body, homeSiteId: 'site_nope' } });
    expect(failed.statusCode).toBe(400);
    const retried = await t.app.inject({ method: 'POST', url: '/v1/members', headers: h2, payload: body });
    expect(retried.statusCode).toBe(201);
  });

  it('If-Match: a stale ETag is 412 precondition_failed and changes nothing', async () => {
    const m = await create('etag');
    const read = await get(`/v1/members/${m.id}`);
    const etag = read.headers.etag as string;
    expect(etag).toMatch(/^".+"$/);
    const ok = await t.app.inject({ method: 'PATCH', url: `/v1/members/${m.id}`, headers: { ...k, 'if-match': etag }, payload: { firstName: 'First' } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.headers.etag).not.toBe(etag);
    const stale = await t.app.inject({ method: 'PATCH', url: `/v1/members/${m.id}`, headers: { ...k, 'if-match': etag }, payload: { firstName: 'Second' } });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().code).toBe('precondition_failed');
    expect((await get(`/v1/members/${m.id}`)).json().firstName).toBe('First');
    const noHeader = await t.app.inject({ method: 'PATCH', url: `/v1/members/${m.id}`, headers: k, payload: { phone: null, address: { town: 'York' } } });
    expect(noHeader.statusCode).toBe(200);
    expect(noHeader.json().address.town).toBe('York');
    const empty = await t.app.inject({ method: 'PATCH', url: `/v1/members/${m.id}`, headers: k, payload: {} });
    expect(empty.statusCode).toBe(400);
  });
  it("create inside a caller's transaction checks the home site within that transaction (no deadlock on SQLite)", async () => {
    // The site is inserted in the same uncommitted transaction: a check that read outside it would wait for the
    // single SQLite connection forever, or (PostgreSQL) not see the site and answer 400.
    const site = { id: newId('site'), environmentId: w.env.id, code: 'trx-site', name: 'Trx Site', addressLine1: null, town: null, postcode: null, phone: null, active: true, createdAt: '2026-06-15T10:00:00.000Z', updatedAt: '2026-06-15T10:00:00.000Z' };
    let timer: NodeJS.Timeout | undefined;
    const created = await Promise.race([
      t.deps.unitOfWork.transaction(async (tx) => {
        await tx.sites.insert(site);
        return t.deps.members.createIn(tx, w.env.id, { firstName: 'Tx', lastName: 'Site', email: 'tx@site.example', homeSiteId: site.id }, SYSTEM_ACTOR);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('members.create inside a transaction did not finish (deadlock)')), 5000);
      }),
    ]).finally(() => clearTimeout(timer));
    expect(created.homeSiteId).toBe(site.id);
    expect((await t.deps.members.get(w.env.id, created.id)).homeSiteId).toBe(site.id);
    // An unknown site inside a transaction is still the 400 naming the field.
    await expect(
      t.deps.unitOfWork.transaction((tx) => t.deps.members.createIn(tx, w.env.id, { firstName: 'No', lastName: 'Site', email: 'no@site.example', homeSiteId: 'site_nope' }, SYSTEM_ACTOR)),
    ).rejects.toMatchObject({ code: 'validation_failed' });
  });
});

describe('control characters in member fields (the same answer on SQLite and PostgreSQL)', () => {
  let t: TestApp;
  let w: ApiWorld;
  let k: Record<string, string>;
  beforeAll(async () => void ({ t, w, k } = await apiWorld('flow_api')));
  afterAll(async () => t.close());

  const valid = { firstName: 'Nul', lastName: 'Test', email: 'nul@control.example' };
  const paths = (res: { json(): unknown }) => (res.json() as { errors: Array<{ path: string }> }).errors.map((e) => e.path).sort();

  it('POST /v1/members with NUL in firstName is 400 validation_failed naming firstName, and stores nothing', async () => {
    const before = await t.deps.membersRepo.count(w.env.id);
    const res = await t.app.inject({ method: 'POST', url: '/v1/members', headers: k, payload: { ...valid, firstName: 'Ada\u0000' } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'firstName', message: expect.stringContaining('control characters') }] });
    expect(await t.deps.membersRepo.count(w.env.id)).toBe(before);
  });

  it('refuses U+0000–U+001F and U+007F in every text field of POST and PATCH, each named', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/members',
      headers: k,
      payload: { ...valid, lastName: 'Te\u007Fst', address: { line1: '1\tHigh St', line2: 'a\nb', town: 'Leeds\u001B', postcode: 'LS1\u00001AA' }, externalRefs: [{ system: 'crm', id: 'x\u0001' }] },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(paths(res)).toEqual(['address.line1', 'address.line2', 'address.postcode', 'address.town', 'externalRefs.0.id', 'lastName']);
    const ok = await t.app.inject({ method: 'POST', url: '/v1/members', headers: k, payload: { ...valid, firstName: 'Zoë', lastName: 'Ünal-O’Brien' } });
    expect(ok.statusCode, ok.body).toBe(201);
    const id = ok.json().id as string;
    for (const [patch, path] of [
      [{ firstName: 'A\u0000' }, 'firstName'],
      [{ lastName: 'B\u0007' }, 'lastName'],
      [{ address: { line1: 'x\u0000' } }, 'address.line1'],
      [{ homeSiteId: 'site\u0000' }, 'homeSiteId'],
    ] as const) {
      const res = await t.app.inject({ method: 'PATCH', url: `/v1/members/${id}`, headers: k, payload: patch });
      expect(res.statusCode, `${JSON.stringify(patch)}: ${res.body}`).toBe(400);
      expect(res.json().code).toBe('validation_failed');
      expect(paths(res)).toEqual([path]);
    }
    expect((await t.app.inject({ method: 'GET', url: `/v1/members/${id}`, headers: k })).json()).toMatchObject({ firstName: 'Zoë', lastName: 'Ünal-O’Brien', address: { line1: null } });
  });

  it('the import rejects such rows with the field and the reason, and imports the others', async () => {
    const rows = [
      { firstName: 'Ok', lastName: 'Row', email: 'ok@import-control.example' },
      { firstName: 'Nul\u0000', lastName: 'Row', email: 'nul@import-control.example' },
      { firstName: 'Tab', lastName: 'In\tside', email: 'tab@import-control.example' },
      { firstName: 'Del', lastName: 'Row', email: 'del@import-control.example', town: 'Le\u007Feds' },
      { firstName: 'Ref', lastName: 'Row', email: 'ref@import-control.example', externalRefs: [{ system: 'crm', id: 'r\u0000' }] },
    ];
    const ik = auth(w.keys.import_members);
    const res = await t.app.inject({ method: 'POST', url: '/v1/member-imports', headers: { ...ik, 'content-type': 'application/json' }, payload: JSON.stringify(rows) });
    expect(res.statusCode, res.body).toBe(202);
    await t.deps.imports.whenIdle();
    const job = (await t.app.inject({ method: 'GET', url: `/v1/member-imports/${res.json().id}`, headers: ik })).json();
    expect(job, JSON.stringify(job)).toMatchObject({ status: 'succeeded', counts: { read: 5, created: 1, rejected: 4 } });
    const report = (await t.app.inject({ method: 'GET', url: job.errorsUrl, headers: ik })).body;
    const lines = report.trim().split('\r\n').slice(1);
    expect(lines).toHaveLength(4);
    // The report shows the refused value with visible control pictures (␀), not the character itself.
    expect(lines[0]).toMatch(/^2,first_name,.*control characters.*Nul␀/);
    expect(lines[1]).toMatch(/^3,last_name,.*control characters/);
    expect(lines[2]).toMatch(/^4,town,.*control characters/);
    expect(lines[3]).toMatch(/^5,externalRefs,.*control characters/);
    expect(hasControlCharacters(report.replaceAll('\r\n', ''))).toBe(false);
  });
});
