import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';
import { csvCell } from '../../src/imports/error-report.js';
import { createImportsRepository } from '../../src/imports/imports.repository.js';
import { createImportsService } from '../../src/imports/imports.service.js';
import type { TestApp } from '../helpers.js';
import { apiWorld, auth, type ApiWorld } from '../world.js';

const HEADER = 'first_name,last_name,email,member_number,date_of_birth,phone,address_line1,address_line2,town,postcode,home_site_id,marketing_opt_in,external_system,external_id';

describe('member imports', () => {
  let t: TestApp;
  let w: ApiWorld;
  let k: Record<string, string>;
  beforeAll(async () => void ({ t, w, k } = await apiWorld('import_members')));
  afterAll(async () => t.close());

  async function run(body: string | Buffer, type = 'text/csv', query = '') {
    const res = await t.app.inject({ method: 'POST', url: `/v1/member-imports${query}`, headers: { ...k, 'content-type': type }, payload: body });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ status: 'queued', counts: { read: 0 } });
    await t.deps.imports.whenIdle();
    const job = await t.app.inject({ method: 'GET', url: `/v1/member-imports/${res.json().id}`, headers: k });
    expect(job.statusCode).toBe(200);
    return job.json() as { id: string; status: string; dryRun: boolean; counts: Record<string, number>; errorsUrl: string; committedThroughRow: number; failure: string | null };
  }
  async function report(job: { errorsUrl: string }) {
    const res = await t.app.inject({ method: 'GET', url: job.errorsUrl, headers: k });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    return res.body;
  }
  const byEmail = async (email: string) => (await t.app.inject({ method: 'GET', url: `/v1/members?email=${encodeURIComponent(email)}`, headers: auth(w.keys.flow_api) })).json().data;

  it('imports CSV (headers matched ignoring case, spaces, _ and -), then a re-import is unchanged', async () => {
    const csv = [
      'First Name,LAST-NAME,e_mail,Member Number,date of birth,Phone,address line1,Address_Line2,town,Post-Code,home site id,marketing opt in,external system,External ID',
      `Alan,Turing,alan@import.example,IMP-1,1912-06-23,0113 496 0101,1 Bletchley Park,,Milton Keynes,MK3 6EB,${w.siteId},yes,crm,A-1`,
      'Ada,Byron,ada.byron@import.example,,,,,,,,,no,,',
      '"Smith, Jr",Jones,"jones@import.example",,,,"Flat 2, 3 High St",,,,,,,',
    ].join('\r\n');
    const job = await run(csv);
    expect(job).toMatchObject({ status: 'succeeded', dryRun: false, counts: { read: 3, created: 3, updated: 0, unchanged: 0, rejected: 0 } });
    const [alan] = await byEmail('ALAN@import.example');
    expect(alan).toMatchObject({ firstName: 'Alan', memberNumber: 'IMP-1', dateOfBirth: '1912-06-23', homeSiteId: w.siteId, marketingOptIn: true, externalRefs: [{ system: 'crm', id: 'A-1' }] });
    expect(alan.address).toEqual({ line1: '1 Bletchley Park', line2: null, town: 'Milton Keynes', postcode: 'MK3 6EB' });
    expect((await byEmail('jones@import.example'))[0]).toMatchObject({ firstName: 'Smith, Jr', address: { line1: 'Flat 2, 3 High St' } });
    const again = await run(csv);
    expect(again.counts).toEqual({ read: 3, created: 0, updated: 0, unchanged: 3, rejected: 0 });
  });

  it('matches by external reference, else member number, else email (case-insensitive)', async () => {
    const existing = await t.deps.members.create(w.env.id, { firstName: 'Old', lastName: 'Name', email: 'match@import.example', memberNumber: 'MN-9', externalRefs: [{ system: 'legacy', id: 'L9' }] }, SYSTEM_ACTOR);
    const byRef = await run(`${HEADER}\nByRef,X,other@import.example,,,,,,,,,,legacy,L9\n`);
    expect(byRef.counts).toMatchObject({ updated: 1, created: 0 });
    expect((await t.deps.members.get(w.env.id, existing.id)).firstName).toBe('ByRef');
    const byNumber = await run(`${HEADER}\nByNumber,X,other@import.example,MN-9,,,,,,,,,,\n`);
    expect(byNumber.counts).toMatchObject({ updated: 1, created: 0 });
    const byMail = await run(`${HEADER}\nByEmail,X,OTHER@Import.Example,,,,,,,,,,,\n`);
    expect(byMail.counts).toMatchObject({ updated: 1, created: 0 });
    const m = await t.deps.members.get(w.env.id, existing.id);
    expect(m).toMatchObject({ firstName: 'ByEmail', email: 'OTHER@Import.Example', memberNumber: 'MN-9' });
    expect(m.externalRefs).toEqual([{ system: 'legacy', id: 'L9' }]);
  });

  it('imports a JSON array and NDJSON, flat or in the Member shape', async () => {
    const json = JSON.stringify([
      { firstName: 'Json', lastName: 'One', email: 'json1@import.example', address: { town: 'Leeds' }, externalRefs: [{ system: 'app', id: 'J1' }] },
      { first_name: 'Json', last_name: 'Two', email: 'json2@import.example', marketing_opt_in: true },
      { firstName: 'Json', lastName: 'Bad', email: 'bad' },
      'not an object',
    ]);
    const j = await run(json, 'application/json');
    expect(j.counts).toMatchObject({ read: 4, created: 2, rejected: 2 });
    expect((await byEmail('json1@import.example'))[0]).toMatchObject({ address: { town: 'Leeds' }, externalRefs: [{ system: 'app', id: 'J1' }] });
    const nd = '{"firstName":"Nd","lastName":"One","email":"nd1@import.example"}\n\n{"firstName":"Nd","lastName":"Two","email":"nd2@import.example","dateOfBirth":"2001-02-30"}\n{broken\n';
    const n = await run(nd, 'application/x-ndjson');
    expect(n.counts).toMatchObject({ read: 3, created: 1, rejected: 2 });
    const lines = (await report(n)).trim().split('\r\n');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['3,date_of_birth', '4,row']);
  });

  it('dry run validates and counts but writes nothing', async () => {
    const before = await t.deps.membersRepo.count(w.env.id);
    const job = await run(`first_name,last_name,email\nDry,Run,dry@import.example\nDry,Bad,nope\n`, 'text/csv', '?dryRun=true');
    expect(job).toMatchObject({ dryRun: true, status: 'succeeded', counts: { read: 2, created: 1, rejected: 1 } });
    expect(await t.deps.membersRepo.count(w.env.id)).toBe(before);
    expect(await byEmail('dry@import.example')).toEqual([]);
    expect((await t.deps.audit.list({ environmentId: w.env.id, action: 'member.created' })).data.filter((e) => e.changes.importId === job.id)).toEqual([]);
  });

  it('audits every member it writes, as the members service does, naming the import and its key', async () => {
    const existing = await t.deps.members.create(w.env.id, { firstName: 'Aud', lastName: 'It', email: 'audit-old@import.example', memberNumber: 'AUD-1' }, SYSTEM_ACTOR);
    const job = await run(`first_name,last_name,email,member_number\nAud,New,audit-new@import.example,\nAud,Changed,audit-old@import.example,AUD-1\n`);
    expect(job.counts).toMatchObject({ created: 1, updated: 1 });
    const [created] = await byEmail('audit-new@import.example');
    const events = (await t.deps.audit.list({ environmentId: w.env.id, limit: 100 })).data.filter((e) => e.changes.importId === job.id);
    expect(events.map((e) => [e.action, e.targetId]).sort()).toEqual([['member.created', created.id], ['member.updated', existing.id]].sort());
    for (const e of events) expect(e.actor).toMatchObject({ type: 'api_key', id: expect.stringMatching(/^key_/) });
  });

  it('names in each audit event the fields its own row gave, rows of one batch giving different ones', async () => {
    const job = await run(`${HEADER}\nFew,Fields,fields-few@import.example,,,,,,,,,,,\nMany,Fields,fields-many@import.example,FLD-2,,0113 496 0102,,,Leeds,,,no,crm,FLD-2\nFew,Again,fields-again@import.example,,,,,,,,,,,\n`);
    expect(job.counts).toMatchObject({ created: 3 });
    const events = (await t.deps.audit.list({ environmentId: w.env.id, limit: 100 })).data.filter((e) => e.changes.importId === job.id);
    const fieldsOf = async (email: string) => {
      const [member] = await byEmail(email);
      return events.find((e) => e.targetId === member.id)?.changes.fields;
    };
    expect(await fieldsOf('fields-few@import.example')).toEqual(['firstName', 'lastName', 'email']);
    expect(await fieldsOf('fields-many@import.example')).toEqual(['firstName', 'lastName', 'email', 'memberNumber', 'phone', 'town', 'marketingOptIn', 'externalRefs']);
    expect(await fieldsOf('fields-again@import.example')).toEqual(['firstName', 'lastName', 'email']);
  });

  it('stores cells with quotes, backslashes, braces and commas as written (bulk inserts quote them)', async () => {
    const job = await run(`first_name,last_name,email,address_line1\n"O""Brien \\ Jr","{NULL}",quoted-cells@import.example,"1, ""The"" Row"\n`);
    expect(job.counts).toMatchObject({ created: 1, rejected: 0 });
    expect((await byEmail('quoted-cells@import.example'))[0]).toMatchObject({ firstName: 'O"Brien \\ Jr', lastName: '{NULL}', address: { line1: '1, "The" Row' } });
  });

  it('bad rows are rejected one by one with field and reason; good rows still import', async () => {
    const latin1 = Buffer.concat([Buffer.from('first_name,last_name,email\nGood,One,good1@import.example\nRen'), Buffer.from([0xe9]), Buffer.from(',Latin,latin@import.example\n')]);
    const rows = [
      'Quoted,"Line\nBreak",quoted@import.example',
      'Dup,A,dup@import.example',
      'Dup,B,DUP@import.example',
      `Long,${'x'.repeat(10_000)},long@import.example`,
      'Date,Bad,date@import.example,,1990-13-01',
      'Mail,Bad,not-an-email',
      'Good,Two,good2@import.example',
    ];
    const body = Buffer.concat([latin1, Buffer.from(rows.join('\n') + '\n')]);
    const csv = body.toString('latin1').replace('first_name,last_name,email', 'first_name,last_name,email,member_number,date_of_birth');
    const job = await run(Buffer.from(csv, 'latin1'));
    expect(job.counts).toMatchObject({ read: 9, created: 3, rejected: 6 });
    const lines = (await report(job)).trim().split('\r\n');
    expect(lines[0]).toBe('row,field,reason,value');
    const got = lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','));
    // Rows are numbered by the line each record starts on: the quoted line break makes row 4 two lines long.
    expect(got).toEqual(['3,first_name', '4,last_name', '7,email', '8,last_name', '9,date_of_birth', '10,email']);
    expect(lines[1]).toContain('UTF-8');
    expect(lines[2]).toContain('line break');
    expect(lines[3]).toContain('duplicates an earlier row');
    expect(lines[4]).toContain('10,000 characters');
  });

  it('a missing required header is a 400 naming it; wrong media types and bodies are refused', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/member-imports', headers: { ...k, 'content-type': 'text/csv' }, payload: 'First Name,email,phone\nA,a@b.example,1\n' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('validation_failed');
    expect(res.json().errors).toEqual([{ path: 'last_name', message: 'required column is missing from the CSV header' }]);
    const plain = await t.app.inject({ method: 'POST', url: '/v1/member-imports', headers: { ...k, 'content-type': 'text/plain' }, payload: 'x' });
    expect(plain.statusCode).toBe(415);
    const notArray = await t.app.inject({ method: 'POST', url: '/v1/member-imports', headers: { ...k, 'content-type': 'application/json' }, payload: '{"firstName":"x"}' });
    expect(notArray.statusCode).toBe(400);
    const empty = await t.app.inject({ method: 'POST', url: '/v1/member-imports', headers: { ...k, 'content-type': 'text/csv' }, payload: '' });
    expect(empty.statusCode).toBe(400);
    const huge = await t.app.inject({ method: 'POST', url: '/v1/member-imports', headers: { ...k, 'content-type': 'text/csv', 'content-length': String(101 * 1024 * 1024) }, payload: 'a' });
    expect([413, 400]).toContain(huge.statusCode);
  });

  it('neutralises formula cells in the error report', async () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('plain')).toBe('plain');
    const job = await run(`first_name,last_name,email,phone\nF,L,=cmd|' /C calc'!A0,+44 113\nG,M,g@import.example,@bad\n`);
    const body = await report(job);
    expect(body).toContain(`,'=cmd|' /C calc'!A0`);
    expect(body).toContain("'@bad");
    for (const line of body.split('\r\n').slice(1)) for (const cell of line.split(',')) expect(cell).not.toMatch(/^[=+\-@]/);
  });

  it('commits batches whole: a failing batch writes nothing and the job lists what was written', async () => {
    const db = t.deps.store.db;
    if (t.deps.store.dialect === 'sqlite') {
      await sql`CREATE TRIGGER boom BEFORE INSERT ON members WHEN NEW.email = 'boom@import.example' BEGIN SELECT RAISE(ABORT, 'boom'); END`.execute(db);
    } else {
      await sql`CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN IF NEW.email = 'boom@import.example' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`.execute(db);
      await sql`CREATE TRIGGER boom BEFORE INSERT ON members FOR EACH ROW EXECUTE FUNCTION boom()`.execute(db);
    }
    t.deps.imports.options.batchSize = 5;
    try {
      const rows = Array.from({ length: 12 }, (_, i) => (i === 7 ? 'Boom,Row,boom@import.example' : `Batch,R${i},batch${i}@import.example`));
      const job = await run(`first_name,last_name,email\n${rows.join('\n')}\n`);
      expect(job.status).toBe('failed');
      expect(job.committedThroughRow).toBe(6);
      expect(job.counts).toMatchObject({ read: 5, created: 5 });
      expect(job.failure).toContain('after row 6');
      for (let i = 0; i < 12; i++) expect((await byEmail(`batch${i}@import.example`)).length, `row ${i}`).toBe(i < 5 ? 1 : 0);
    } finally {
      t.deps.imports.options.batchSize = 1000;
      await sql`DROP TRIGGER boom ${t.deps.store.dialect === 'postgres' ? sql`ON members` : sql``}`.execute(db);
    }
  });

  it('commits batches whole when an audit event fails: the batch\'s members are not written either', async () => {
    // The audit events are written while (PostgreSQL) or after (SQLite) the batch's members are: a failing audit
    // insert must still roll the whole batch back. It fails once the table holds more members than one batch.
    const db = t.deps.store.db;
    const before = Number((await sql<{ n: number }>`select count(*) as n from members`.execute(db)).rows[0].n);
    if (t.deps.store.dialect === 'sqlite') {
      await sql`CREATE TRIGGER audit_boom BEFORE INSERT ON audit_events WHEN (SELECT count(*) FROM members) > ${sql.lit(before + 5)} BEGIN SELECT RAISE(ABORT, 'audit boom'); END`.execute(db);
    } else {
      await sql`CREATE FUNCTION audit_boom() RETURNS trigger AS $$ BEGIN IF (SELECT count(*) FROM members) > ${sql.lit(before + 5)} THEN RAISE EXCEPTION 'audit boom'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`.execute(db);
      await sql`CREATE TRIGGER audit_boom BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_boom()`.execute(db);
    }
    t.deps.imports.options.batchSize = 5;
    try {
      const rows = Array.from({ length: 12 }, (_, i) => `Audit,R${i},audit-boom${i}@import.example`);
      const job = await run(`first_name,last_name,email\n${rows.join('\n')}\n`);
      expect(job.status).toBe('failed');
      expect(job.committedThroughRow).toBe(6);
      expect(job.counts).toMatchObject({ read: 5, created: 5 });
      for (let i = 0; i < 12; i++) expect((await byEmail(`audit-boom${i}@import.example`)).length, `row ${i}`).toBe(i < 5 ? 1 : 0);
      const events = (await t.deps.audit.list({ environmentId: w.env.id, limit: 100 })).data.filter((e) => e.changes.importId === job.id);
      expect(events).toHaveLength(5);
    } finally {
      t.deps.imports.options.batchSize = 1000;
      await sql`DROP TRIGGER audit_boom ${t.deps.store.dialect === 'postgres' ? sql`ON audit_events` : sql``}`.execute(db);
    }
  });

  it('after a restart, an interrupted job resumes after its last committed batch, or fails listing what was written', async () => {
    // A job a dead process left running: rows 2–3 committed, the spool file still on disk.
    const { Readable } = await import('node:stream');
    const csv = `first_name,last_name,email\nRes,A,resa@import.example\nRes,B,resb@import.example\nRes,C,resc@import.example\nRes,D,resd@import.example\n`;
    await run(`first_name,last_name,email\nRes,A,resa@import.example\nRes,B,resb@import.example\n`);
    t.deps.imports.options.batchSize = 1000;
    const queued = await t.deps.imports.accept(w.env.id, null, 'csv', Readable.from([csv]), false);
    await t.deps.imports.whenIdle();
    // Rewind it to look interrupted after row 3 and stale.
    const db = t.deps.store.db;
    const spool = path.join(t.config.dataDir, 'imports', `${queued.id}.csv`);
    fs.mkdirSync(path.dirname(spool), { recursive: true });
    fs.writeFileSync(spool, csv);
    await db
      .updateTable('import_jobs')
      .set({ status: 'running', rows_read: 2, rows_created: 0, rows_updated: 0, rows_unchanged: 2, committed_through_row: 3, finished_at: null, updated_at: '2000-01-01T00:00:00.000Z' })
      .where('id', '=', queued.id)
      .execute();
    await db.deleteFrom('members').where('email', 'in', ['resc@import.example', 'resd@import.example']).execute();
    await t.deps.imports.recover();
    await t.deps.imports.whenIdle();
    const resumed = (await t.app.inject({ method: 'GET', url: `/v1/member-imports/${queued.id}`, headers: k })).json();
    expect(resumed).toMatchObject({ status: 'succeeded', committedThroughRow: 5, counts: { read: 4, unchanged: 2, created: 2 } });

    const lost = await t.deps.imports.accept(w.env.id, null, 'csv', Readable.from([csv]), true);
    await t.deps.imports.whenIdle();
    await db.updateTable('import_jobs').set({ status: 'running', committed_through_row: 3, rows_read: 2, finished_at: null, updated_at: '2000-01-01T00:00:00.000Z' }).where('id', '=', lost.id).execute();
    await t.deps.imports.recover();
    const failed = (await t.app.inject({ method: 'GET', url: `/v1/member-imports/${lost.id}`, headers: k })).json();
    expect(failed.status).toBe('failed');
    expect(failed.failure).toContain('Rows up to 3 are committed');
  });
  it('counts committed rows in flow_import_rows_total by outcome on /metrics (dry runs are not counted)', async () => {
    const scrape = async () => {
      const res = await t.app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      const value = (outcome: string) => {
        const line = res.body.split('\n').find((l) => l.startsWith(`flow_import_rows_total{outcome="${outcome}"} `));
        return line === undefined ? 0 : Number(line.split(' ')[1]);
      };
      return { read: value('read'), created: value('created'), updated: value('updated'), unchanged: value('unchanged'), rejected: value('rejected') };
    };
    const before = await scrape();
    const csv = `first_name,last_name,email,member_number\nMet,A,meta@import.example,MET1\nMet,B,metb@import.example,MET2\nMet,Bad,nope,MET3\n`;
    await run(csv);
    const once = await scrape();
    expect(once).toEqual({ read: before.read + 3, created: before.created + 2, updated: before.updated, unchanged: before.unchanged, rejected: before.rejected + 1 });
    await run(csv.replace('Met,A,', 'Met,Changed,')); // one updated, one unchanged, one rejected
    const twice = await scrape();
    expect(twice).toEqual({ read: once.read + 3, created: once.created, updated: once.updated + 1, unchanged: once.unchanged + 1, rejected: once.rejected + 1 });
    await run(csv, 'text/csv', '?dryRun=true');
    expect(await scrape()).toEqual(twice);
  });
  it('at start, a job left running resumes however fresh its heartbeat; of two processes sharing the data dir exactly one claims it', async () => {
    const csv = `first_name,last_name,email\nFre,A,frea@import.example\nFre,B,freb@import.example\nFre,C,frec@import.example\nFre,D,fred@import.example\n`;
    const queued = await t.deps.imports.accept(w.env.id, null, 'csv', Readable.from([csv]), false);
    await t.deps.imports.whenIdle();
    const db = t.deps.store.db;
    const spool = path.join(t.config.dataDir, 'imports', `${queued.id}.csv`);
    fs.writeFileSync(spool, csv);
    // Killed after its first two rows, restarted at once: the heartbeat is the current time. Its holder was a
    // process of this host that no longer runs.
    await db
      .updateTable('import_jobs')
      .set({ status: 'running', rows_read: 2, rows_created: 2, rows_unchanged: 0, committed_through_row: 3, finished_at: null, updated_at: t.clock.now().toISOString(), runner: `${os.hostname()}|999999999|dead` })
      .where('id', '=', queued.id)
      .execute();
    await db.deleteFrom('members').where('email', 'in', ['frec@import.example', 'fred@import.example']).execute();
    // A second process on the same database and data directory starts at the same moment.
    const other = createImportsService({
      repo: createImportsRepository(db),
      store: t.deps.unitOfWork,
      members: t.deps.members,
      siteIds: async () => new Set(),
      clock: t.clock,
      logger: t.deps.logger,
      spoolDir: path.join(t.config.dataDir, 'imports'),
    });
    try {
      const [mine, theirs] = await Promise.all([t.deps.imports.recover(), other.recover()]);
      expect([...mine.resumed, ...theirs.resumed]).toEqual([queued.id]);
      await Promise.all([t.deps.imports.whenIdle(), other.whenIdle()]);
      // A job this process holds is not taken by the other one, even though its spool file is there too.
      expect((await other.recover()).resumed).toEqual([]);
    } finally {
      await other.close();
    }
    const job = (await t.app.inject({ method: 'GET', url: `/v1/member-imports/${queued.id}`, headers: k })).json();
    expect(job).toMatchObject({ status: 'succeeded', committedThroughRow: 5, counts: { read: 4, created: 4 } });
    expect(fs.existsSync(spool)).toBe(false);
    for (const e of ['frea', 'freb', 'frec', 'fred']) expect(await byEmail(`${e}@import.example`)).toHaveLength(1);
  });

  it('the periodic sweep fails a stale job whose spool file is on another node, and leaves a live one alone', async () => {
    const csv = `first_name,last_name,email\nSwe,A,swea@import.example\n`;
    const db = t.deps.store.db;
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      ids.push((await t.deps.imports.accept(w.env.id, null, 'csv', Readable.from([csv]), true)).id);
      await t.deps.imports.whenIdle();
    }
    const [stale, live] = ids;
    const at = (ms: number) => new Date(t.clock.now().getTime() - ms).toISOString();
    // No spool file here for either (another node's); one last heard from 3 minutes ago, one 10 seconds ago.
    await db.updateTable('import_jobs').set({ status: 'running', committed_through_row: 1, finished_at: null, runner: 'elsewhere|1|x', updated_at: at(180_000) }).where('id', '=', stale).execute();
    await db.updateTable('import_jobs').set({ status: 'running', committed_through_row: 1, finished_at: null, runner: 'elsewhere|2|y', updated_at: at(10_000) }).where('id', '=', live).execute();
    expect(await t.deps.imports.sweep()).toEqual({ resumed: [], failed: [stale] });
    const get = async (id: string) => (await t.app.inject({ method: 'GET', url: `/v1/member-imports/${id}`, headers: k })).json();
    expect(await get(stale)).toMatchObject({ status: 'failed' });
    expect((await get(stale)).failure).toContain('Rows up to 1 are committed');
    expect(await get(live)).toMatchObject({ status: 'running' });
    await db.updateTable('import_jobs').set({ status: 'failed' }).where('id', '=', live).execute();
  });

  it('a job claimed by another process stops its old holder: the batch rolls back and the holder leaves the job alone', async () => {
    const db = t.deps.store.db;
    const rows = Array.from({ length: 6 }, (_, i) => `Cla,${i},cla${i}@import.example`).join('\n');
    t.deps.imports.options.batchSize = 2;
    try {
      const job = await t.deps.imports.accept(w.env.id, null, 'csv', Readable.from([`first_name,last_name,email\n${rows}\n`]), false);
      // Another process claims it before this one commits anything (as if this one had been given up for dead).
      await db.updateTable('import_jobs').set({ runner: 'elsewhere|3|z' }).where('id', '=', job.id).execute();
      await t.deps.imports.whenIdle();
      const row = await db.selectFrom('import_jobs').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ runner: 'elsewhere|3|z', committed_through_row: 0, rows_read: 0, finished_at: null });
      expect(['queued', 'running']).toContain(row.status);
      expect(await byEmail('cla0@import.example')).toEqual([]);
      expect(fs.existsSync(path.join(t.config.dataDir, 'imports', `${job.id}.csv`))).toBe(true);
      await db.updateTable('import_jobs').set({ status: 'failed' }).where('id', '=', job.id).execute();
    } finally {
      t.deps.imports.options.batchSize = 1000;
    }
  });
});
