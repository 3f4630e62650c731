import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers.js';
import { auth, makeWorld, type ApiWorld } from './fixtures.js';

describe('import smoke', () => {
  let t: TestApp;
  let w: ApiWorld;
  beforeAll(async () => {
    t = await buildTestApp();
    w = await makeWorld(t);
  });
  afterAll(async () => t.close());

  it('imports a CSV', async () => {
    const csv = 'First Name,last_name,EMAIL,member-number\nAlan,Turing,alan@x.test,A1\nGrace,Hopper,grace@x.test,\nBad,Row,not-an-email,\n';
    const res = await t.app.inject({ method: 'POST', url: '/v1/member-imports', headers: { ...auth(w.keys.import_members), 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode, res.body).toBe(202);
    await t.deps.imports.whenIdle();
    const job = await t.app.inject({ method: 'GET', url: `/v1/member-imports/${res.json().id}`, headers: auth(w.keys.import_members) });
    console.log(job.json());
    const errs = await t.app.inject({ method: 'GET', url: job.json().errorsUrl, headers: auth(w.keys.import_members) });
    console.log(errs.statusCode, errs.headers['content-type'], errs.body);
  });
});
