import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { openStore } from '../../src/db/client.js';
import { createDeps, type Deps } from '../../src/deps.js';
import type { TestApp } from '../helpers.js';
import { apiWorld, type ApiWorld } from '../world.js';

const PG = process.env.DATABASE_URL;
if (!PG) console.warn('[attendance] the PostgreSQL races are skipped (the SQLite ones run): set DATABASE_URL to run them');

const ROUNDS = 5;
const CONCURRENT = 20;

describe('attendance under concurrency and repeats', () => {
  let t: TestApp;
  let w: ApiWorld;
  let k: Record<string, string>;
  beforeAll(async () => void ({ t, w, k } = await apiWorld('coursepro_integration')));
  afterAll(async () => t.close());

  const record = (sessionStart: string, status = 'present') => ({ memberId: w.memberId, courseId: 'CP-RACE', membershipTypeId: w.courseTypeId, sessionStart, status });
  const post = (app: FastifyInstance, records: object[]) => app.inject({ method: 'POST', url: '/v1/attendance', headers: k, payload: { records } });
  const rowsAt = (sessionStart: string) =>
    t.deps.store.db.selectFrom('attendance').select(['id', 'status']).where('environment_id', '=', w.env.id).where('course_id', '=', 'CP-RACE').where('session_start', '=', sessionStart).execute();

  /** Fires CONCURRENT identical requests per round, spread over `apps`; every answer 200, one created, one row. */
  async function race(apps: FastifyInstance[], day: number) {
    for (let round = 0; round < ROUNDS; round++) {
      const sessionStart = new Date(Date.UTC(2026, 6, day + round, 18)).toISOString();
      const answers = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => post(apps[i % apps.length]!, [record(sessionStart)])));
      expect(answers.map((a) => a.statusCode), answers.find((a) => a.statusCode !== 200)?.body).toEqual(answers.map(() => 200));
      const bodies = answers.map((a) => a.json() as { created: number; unchanged: number; data: Array<{ id: string }> });
      expect(bodies.reduce((n, b) => n + b.created, 0)).toBe(1);
      expect(bodies.reduce((n, b) => n + b.unchanged, 0)).toBe(CONCURRENT - 1);
      const rows = await rowsAt(sessionStart);
      expect(rows).toHaveLength(1);
      // Every answer names the one stored record.
      expect(new Set(bodies.map((b) => b.data[0]!.id))).toEqual(new Set([rows[0]!.id]));
    }
  }

  it(`${ROUNDS} rounds of ${CONCURRENT} concurrent identical records: all 200, one created, one row`, async () => {
    await race([t.app], 1);
  });

  describe.skipIf(!PG)('two nodes on one PostgreSQL database', () => {
    let second: { app: FastifyInstance; deps: Deps };
    beforeAll(async () => {
      const store = openStore({ databaseUrl: t.config.databaseUrl, dataDir: t.config.dataDir });
      const deps = await createDeps(t.config, { clock: t.clock, store, usageFlushMs: 60_000 });
      const app = await buildApp(deps);
      await app.ready();
      second = { app, deps };
    });
    afterAll(async () => {
      await second.app.close();
      await second.deps.close();
    });

    it('the same race split over two nodes: all 200, one created, one row', async () => {
      await race([t.app, second.app], 10);
    });

    it('batches naming the same sessions in opposite orders do not deadlock', async () => {
      for (let round = 0; round < 2; round++) {
        const starts = Array.from({ length: 300 }, (_, i) => new Date(Date.UTC(2026, 7, 1 + round, 6, i)).toISOString());
        // Creates, then status changes: both take row locks in the order the rows are written.
        for (const status of ['present', 'absent']) {
          const forward = starts.map((s) => record(s, status));
          const backward = [...forward].reverse();
          const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => post(i % 2 ? second.app : t.app, i % 4 < 2 ? forward : backward)));
          expect(answers.map((a) => a.statusCode), answers.find((a) => a.statusCode !== 200)?.body).toEqual(answers.map(() => 200));
          const counted = answers.map((a) => a.json() as { created: number; updated: number });
          expect(counted.reduce((n, b) => n + b.created + b.updated, 0)).toBe(starts.length);
        }
      }
    });
  });

  it('one record sent three times in one batch is created once and stored once', async () => {
    const s = '2026-09-01T17:00:00.000Z';
    const res = await post(t.app, [record(s), record(s), record('2026-09-01T18:00:00+01:00')]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ created: 1, updated: 0, unchanged: 0 });
    expect(res.json().data).toHaveLength(1);
    expect(await rowsAt(s)).toHaveLength(1);
  });

  it('within one batch the last status sent for a record wins, counted once', async () => {
    const s = '2026-09-02T17:00:00.000Z';
    const created = await post(t.app, [record(s, 'present'), record(s, 'absent')]);
    expect(created.json()).toMatchObject({ created: 1, updated: 0, unchanged: 0, data: [{ status: 'absent', result: 'created' }] });
    const updated = await post(t.app, [record(s, 'present'), record(s, 'cancelled'), record(s, 'cancelled')]);
    expect(updated.json()).toMatchObject({ created: 0, updated: 1, unchanged: 0, data: [{ status: 'cancelled', result: 'updated' }] });
    // Changed and changed back within one batch leaves the stored record as it was.
    const same = await post(t.app, [record(s, 'present'), record(s, 'cancelled')]);
    expect(same.json()).toMatchObject({ created: 0, updated: 0, unchanged: 1, data: [{ status: 'cancelled', result: 'unchanged' }] });
    expect(await rowsAt(s)).toEqual([{ id: created.json().data[0].id, status: 'cancelled' }]);
  });

  it('refuses control characters in the ids: 400 naming the field on both stores, nothing stored', async () => {
    const res = await post(t.app, [record('2026-09-03T17:00:00.000Z'), { ...record('2026-09-03T17:00:00.000Z'), courseId: 'CP\u0000X' }]);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'records.1.courseId' }] });
    expect(await rowsAt('2026-09-03T17:00:00.000Z')).toEqual([]);
  });
});
