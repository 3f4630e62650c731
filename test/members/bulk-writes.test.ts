import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reserveSeq } from '../../src/db/change-counter.js';
import { createMembersRepository, type Member } from '../../src/members/members.repository.js';
import { buildTestApp, type TestApp } from '../helpers.js';

/**
 * The members' bulk writes and look-ups on the store itself (PostgreSQL: binary array parameters; SQLite:
 * multi-row VALUES and json_each), and the change counters every write reserves its numbers from.
 */
describe('members: bulk writes and change counters', () => {
  let t: TestApp;
  let env: string;
  beforeAll(async () => {
    t = await buildTestApp({ seedAdmin: false });
    env = (await t.deps.environments.create({ slug: 'bulk', name: 'Bulk' })).id;
  });
  afterAll(async () => t.close());

  // Text an array literal would have to quote or escape, and text that is not ASCII.
  const hostile = ['"quoted"', 'back\\slash', '{braces}', 'a,b', 'NULL', '', ' padded ', 'émile 😀 日本', 'x'.repeat(5000), "it's"];

  it('insertMany and the look-ups carry any text, nulls, flags and numbers as given', async () => {
    const repo = createMembersRepository(t.deps.store.db);
    const now = new Date().toISOString();
    const members: Member[] = hostile.map((s, i) => ({
      id: `mem_bulk${String(i).padStart(12, '0')}`,
      environmentId: env,
      memberNumber: `N${s}`,
      firstName: s,
      lastName: `L${i}`,
      email: `${i}@bulk.example`,
      dateOfBirth: i % 2 ? null : '1990-01-01',
      phone: i % 3 ? null : s,
      address: { line1: s, line2: null, town: i % 2 ? s : null, postcode: null },
      homeSiteId: null,
      marketingOptIn: i % 2 === 0,
      externalRefs: [{ system: 'crm', id: `R${s}` }],
      seq: 2 ** 31 - 100 + i, // near the top of an integer column
      createdAt: now,
      updatedAt: now,
    }));
    await t.deps.store.db.transaction().execute((trx) => createMembersRepository(trx).insertMany(members));
    for (const m of members) expect(await repo.find(m.id, env)).toEqual(m);
    const byNumber = await repo.byMemberNumbers(env, members.map((m) => m.memberNumber));
    expect([...byNumber.keys()].sort()).toEqual(members.map((m) => m.memberNumber).sort());
    const byRef = await repo.byExternalRefs(env, members.flatMap((m) => m.externalRefs));
    expect(members.every((m) => byRef.get(`crm\u0000R${m.firstName}`)?.id === m.id)).toBe(true);
    const byEmail = await repo.byEmails(env, ['0@bulk.example', 'nobody@bulk.example']);
    expect(byEmail.get('0@bulk.example')?.map((m) => m.id)).toEqual([members[0].id]);
  });

  it('reserveSeq: a counter starts at 1 on first use, ranges follow on, and a reservation of 0 takes no number', async () => {
    const db = t.deps.store.db;
    const reserve = (n: number) => db.transaction().execute((trx) => reserveSeq(trx, env, 'bulk_test', n));
    expect(await reserve(0)).toBe(1);
    expect(await reserve(3)).toBe(1);
    expect(await reserve(0)).toBe(4);
    expect(await reserve(1)).toBe(4);
    expect(await reserve(5)).toBe(5);
    const fresh = await db.transaction().execute((trx) => reserveSeq(trx, env, 'bulk_test_fresh', 2));
    expect(fresh).toBe(1);
  });

  it('reserveSeq: concurrent transactions get disjoint ranges, in the order they commit', async () => {
    const db = t.deps.store.db;
    const taken = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        db.transaction().execute(async (trx) => {
          const first = await reserveSeq(trx, env, 'bulk_race', i + 1);
          return Array.from({ length: i + 1 }, (_, k) => first + k);
        }),
      ),
    );
    const all = taken.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 36 }, (_, k) => k + 1));
  });
});
