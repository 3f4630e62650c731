import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanCsv } from '../../src/imports/csv-scanner.js';
import type { TestApp } from '../helpers.js';
import { apiWorld, auth, type ApiWorld } from '../world.js';

const SPECTRUM = path.join(import.meta.dirname, '../fixtures/csv-spectrum');

/**
 * Known defect of csv-spectrum 2.0.0's expected JSON (not of a parser): location_coordinates.json gives the phone
 * number as "1234567890" while its CSV holds "2095257564" (and is an object, not an array of one). Every other
 * value of that case, and every value of every other case, is compared as published.
 */
const ERRATA: Record<string, Record<string, string>> = { location_coordinates: { 'Contact Phone Number': '2095257564' } };

describe('CSV conformance: csv-spectrum 2.0.0', () => {
  const cases = fs.readdirSync(path.join(SPECTRUM, 'csvs')).map((f) => path.basename(f, '.csv'));
  it('has the 12 published cases', () => expect(cases).toHaveLength(12));
  for (const name of cases) {
    it(`parses ${name} to its expected JSON`, async () => {
      const published: unknown = JSON.parse(fs.readFileSync(path.join(SPECTRUM, 'json', `${name}.json`), 'utf8'));
      const expected = (Array.isArray(published) ? published : [published]) as Array<Record<string, string>>;
      const fixed = expected.map((r) => ({ ...r, ...ERRATA[name] }));
      // Read whole, and cut into chunks of 1, 2 and 3 bytes: a CRLF, an escaped quote or a UTF-8 sequence split
      // across chunks reads the same.
      for (const highWaterMark of [64 * 1024, 1, 2, 3]) {
        const records = [];
        for await (const batch of scanCsv(path.join(SPECTRUM, 'csvs', `${name}.csv`), { highWaterMark })) records.push(...batch);
        for (const r of records) expect(r.error).toBeUndefined();
        const [header, ...rows] = records.map((r) => r.fields);
        expect(rows.map((f) => Object.fromEntries(header.map((h, i) => [h, f[i]]))), `chunks of ${highWaterMark}`).toEqual(fixed);
      }
    });
  }
});

describe('CSV reader: line numbers and recovery', () => {
  it('numbers each record by its first line (CRLF, LF, lone CR, quoted breaks, blank lines) and resumes after an unclosed quote, whatever the chunk size', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-csv-'));
    const file = path.join(dir, 'lines.csv');
    fs.writeFileSync(file, 'h1,h2\r\na,"b\r\nc"\r\n\r\nd,e\rf,g\nx,"multi\nline",y,"open\nz,w\n');
    try {
      for (const highWaterMark of [64 * 1024, 1, 2, 3, 5]) {
        const got = [];
        for await (const batch of scanCsv(file, { highWaterMark })) got.push(...batch);
        expect(got, `chunks of ${highWaterMark}`).toEqual([
          { line: 1, fields: ['h1', 'h2'] },
          { line: 2, fields: ['a', 'b\r\nc'] },
          { line: 5, fields: ['d', 'e'] },
          { line: 6, fields: ['f', 'g'] },
          { line: 7, fields: [], error: { column: 3, reason: 'opens a quote (") that is never closed' } },
          { line: 9, fields: ['z', 'w'] },
        ]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('member import: one physical record = one row', () => {
  let t: TestApp;
  let w: ApiWorld;
  let k: Record<string, string>;
  beforeAll(async () => void ({ t, w, k } = await apiWorld('import_members')));
  afterAll(async () => t.close());

  async function run(body: string | Buffer) {
    const res = await t.app.inject({ method: 'POST', url: '/v1/member-imports', headers: { ...k, 'content-type': 'text/csv' }, payload: body });
    expect(res.statusCode, res.body).toBe(202);
    await t.deps.imports.whenIdle();
    const job = (await t.app.inject({ method: 'GET', url: `/v1/member-imports/${res.json().id}`, headers: k })).json();
    const rep = await t.app.inject({ method: 'GET', url: job.errorsUrl, headers: k });
    // row,field,reason of each line (the value column, the cell itself, is left out); cells may be quoted.
    const lines = rep.body.split('\r\n').slice(1, -1).map((l) => [...l.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)].map((m) => m[1].replace(/^"([\s\S]*)"$/, '$1').replace(/""/g, '"')));
    return { job, report: lines.map(([row, field, reason]) => ({ row: Number(row), field, reason })) };
  }
  const member = async (email: string) => (await t.app.inject({ method: 'GET', url: `/v1/members?email=${encodeURIComponent(email)}`, headers: auth(w.keys.flow_api) })).json().data as Array<Record<string, unknown>>;

  it('a quote after a space, or inside a word, is data: both rows import, nothing is blamed', async () => {
    const { job, report } = await run('first_name,last_name,email\nA, "B",a@q1.example\nC,D,c@q1.example');
    expect(job.counts).toMatchObject({ read: 2, created: 2, rejected: 0 });
    expect(report).toEqual([]);
    expect((await member('a@q1.example'))[0]).toMatchObject({ firstName: 'A', lastName: '"B"' });
    expect(await member('c@q1.example')).toHaveLength(1);

    const liam = await run('first_name,last_name,email\nLiam,O"Brien,liam@q1.example\n');
    expect(liam.job.counts).toMatchObject({ read: 1, created: 1, rejected: 0 });
    expect((await member('liam@q1.example'))[0]).toMatchObject({ lastName: 'O"Brien' });
  });

  for (const size of [70_000, 1_000_000]) {
    it(`a ${size.toLocaleString('en-GB')}-character field costs its record alone; the 3 rows after it are created`, async () => {
      const tag = `f${size}`;
      const good = [1, 2, 3].map((i) => `Good,${tag},${tag}-${i}@q2.example`);
      const { job, report } = await run(`first_name,last_name,email\nHuge,${'x'.repeat(size)},huge@q2.example\n${good.join('\n')}\n`);
      expect(job.counts).toMatchObject({ read: 4, created: 3, rejected: 1 });
      expect(report).toEqual([{ row: 2, field: 'last_name', reason: 'is longer than 10,000 characters' }]);
      for (let i = 1; i <= 3; i++) expect(await member(`${tag}-${i}@q2.example`)).toHaveLength(1);
    });
  }

  it('a quoted over-long field spanning lines is one record: rejected at its first line; later rows keep their line numbers', async () => {
    const big = `"${'y'.repeat(40_000)}\n${'y'.repeat(40_000)}"`;
    const { job, report } = await run(`first_name,last_name,email\nMulti,"two\nlines",multi@q3.example\nHuge,${big},huge@q3.example\nAfter,One,after1@q3.example\nBad,Mail,nope\n`);
    expect(job.counts).toMatchObject({ read: 4, created: 1, rejected: 3 });
    expect(report).toEqual([
      { row: 2, field: 'last_name', reason: 'contains a line break' },
      { row: 4, field: 'last_name', reason: 'is longer than 10,000 characters' },
      { row: 7, field: 'email', reason: 'is not an email address' },
    ]);
    expect(await member('after1@q3.example')).toHaveLength(1);
  });

  it('an unterminated quote at the end of the file rejects only its record; the lines after it import', async () => {
    const { job, report } = await run('first_name,last_name,email\nOk,One,ok1@q4.example\nBroken,"Quote,broken@q4.example\nOk,Two,ok2@q4.example\nOk,Three,ok3@q4.example\n');
    expect(report).toEqual([{ row: 3, field: 'last_name', reason: 'opens a quote (") that is never closed' }]);
    expect(job.counts).toMatchObject({ read: 4, created: 3, rejected: 1 });
    for (const e of ['ok1', 'ok2', 'ok3']) expect(await member(`${e}@q4.example`)).toHaveLength(1);
  });

  it('more columns than the record limit allows: that record alone, named as the row', async () => {
    const wide = `Wide,Row,wide@q5.example${','.repeat(70_000)}`;
    const { job, report } = await run(`first_name,last_name,email\n${wide}\nOk,Row,ok@q5.example\n`);
    expect(job.counts).toMatchObject({ read: 2, created: 1, rejected: 1 });
    expect(report).toEqual([{ row: 2, field: 'row', reason: 'is longer than 65,536 bytes' }]);
  });
});
