import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, capturedLogs, type TestApp } from '../helpers.js';
import { auth, makeWorld, type ApiWorld } from '../world.js';

/** The columns of a job row another node is running (nothing done yet). */
const NO_COUNTS = { dry_run: 0, format: 'csv' as const, committed_through_row: 0, rows_read: 0, rows_created: 0, rows_updated: 0, rows_unchanged: 0, rows_rejected: 0, failure: null, finished_at: null };

describe('member import queue: idempotency, caps per environment, fairness between environments', () => {
  let t: TestApp;
  let a: ApiWorld;
  let b: ApiWorld;
  beforeAll(async () => {
    t = await buildTestApp();
    a = await makeWorld(t);
    b = await makeWorld(t, 'other');
  });
  afterAll(async () => t.close());

  const post = (w: ApiWorld, body: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/v1/member-imports', headers: { ...auth(w.keys.import_members), 'content-type': 'text/csv', ...headers }, payload: body });
  const jobCount = async (w: ApiWorld) => (await t.deps.store.db.selectFrom('import_jobs').select('id').where('environment_id', '=', w.env.id).execute()).length;
  const spoolDir = () => path.join(t.config.dataDir, 'imports');
  const spooled = () => (fs.existsSync(spoolDir()) ? fs.readdirSync(spoolDir()) : []);

  it('Idempotency-Key: the same key and body answer the first job and queue no second one; another body is 409', async () => {
    const csv = 'first_name,last_name,email\nIdem,One,idem1@queue.example\n';
    const before = await jobCount(a);
    const first = await post(a, csv, { 'idempotency-key': 'imp-key-1' });
    expect(first.statusCode, first.body).toBe(202);
    await t.deps.imports.whenIdle();
    const again = await post(a, csv, { 'idempotency-key': 'imp-key-1' });
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
    expect(await jobCount(a)).toBe(before + 1);

    const other = await post(a, csv.replace('One', 'Two'), { 'idempotency-key': 'imp-key-1' });
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('conflict');
    const dry = await t.app.inject({ method: 'POST', url: '/v1/member-imports?dryRun=true', headers: { ...auth(a.keys.import_members), 'content-type': 'text/csv', 'idempotency-key': 'imp-key-1' }, payload: csv });
    expect(dry.statusCode).toBe(409);
    expect(await jobCount(a)).toBe(before + 1);
    expect(spooled()).toEqual([]);
  });

  it('Idempotency-Key: two POSTs at once with one key make one job', async () => {
    const csv = 'first_name,last_name,email\nIdem,Race,idemrace@queue.example\n';
    const before = await jobCount(a);
    const answers = await Promise.all([post(a, csv, { 'idempotency-key': 'imp-race' }), post(a, csv, { 'idempotency-key': 'imp-race' })]);
    await t.deps.imports.whenIdle();
    const ok = answers.filter((r) => r.statusCode === 202);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of answers) expect([202, 409]).toContain(r.statusCode);
    expect(new Set(ok.map((r) => r.json().id)).size).toBe(1);
    expect(await jobCount(a)).toBe(before + 1);
    expect(spooled()).toEqual([]);
  });

  it('beyond 3 unfinished imports of one environment (on any node), 429 with Retry-After and nothing spooled; other environments unaffected', async () => {
    const db = t.deps.store.db;
    // Three jobs another node is running for environment A (fresh heartbeats: not stale).
    const now = t.clock.now().toISOString();
    const ids = ['imp_capA000000000001', 'imp_capA000000000002', 'imp_capA000000000003'];
    for (const id of ids) {
      await db
        .insertInto('import_jobs')
        .values({ id, environment_id: a.env.id, api_key_id: null, status: 'running', ...NO_COUNTS, created_at: now, updated_at: now, runner: 'node-2|1|x', spool_bytes: 1000 })
        .execute();
    }
    try {
      const before = await jobCount(a);
      const refused = await post(a, 'first_name,last_name,email\nCap,One,cap1@queue.example\n');
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.json().code).toBe('rate_limited');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(await jobCount(a)).toBe(before);
      expect(spooled()).toEqual([]);
      // Environment B has its own places.
      const other = await post(b, 'first_name,last_name,email\nCap,B,capb@queue.example\n');
      expect(other.statusCode, other.body).toBe(202);
      await t.deps.imports.whenIdle();
    } finally {
      await db.deleteFrom('import_jobs').where('id', 'in', ids).execute();
    }
  });

  it('beyond the spool bytes of one environment, 429 with Retry-After — before spooling when the length is declared, mid-way when not — and nothing stays spooled', async () => {
    const db = t.deps.store.db;
    const now = t.clock.now().toISOString();
    const cap = t.deps.imports.options.maxSpoolBytesPerEnvironment;
    await db
      .insertInto('import_jobs')
      .values({ id: 'imp_capBytes00000001', environment_id: a.env.id, api_key_id: null, status: 'queued', ...NO_COUNTS, created_at: now, updated_at: now, runner: 'node-2|1|x', spool_bytes: cap - 1000 })
      .execute();
    try {
      const before = await jobCount(a);
      const rows = Array.from({ length: 100 }, (_, i) => `Big,${i},big${i}@queue.example`).join('\n');
      const declared = await post(a, `first_name,last_name,email\n${rows}\n`);
      expect(declared.statusCode).toBe(429);
      expect(declared.headers['retry-after']).toBeDefined();
      // Streamed without a length: refused once the spooled bytes pass the cap, the partial file removed.
      const chunks = ['first_name,last_name,email\n', ...Array.from({ length: 100 }, (_, i) => `Big,${i},big${i}@queue.example\n`)];
      await expect(t.deps.imports.accept(a.env.id, null, 'csv', Readable.from(chunks), false)).rejects.toMatchObject({ code: 'rate_limited' });
      expect(await jobCount(a)).toBe(before);
      expect(spooled()).toEqual([]);
      // A small one still fits.
      const small = await post(a, 'first_name,last_name,email\nS,M,small@queue.example\n');
      expect(small.statusCode, small.body).toBe(202);
      await t.deps.imports.whenIdle();
    } finally {
      await db.deleteFrom('import_jobs').where('id', '=', 'imp_capBytes00000001').execute();
    }
  });

  it("fair between environments: B's 1-row import finishes before A's queued backlog", async () => {
    const big = (n: number) => `first_name,last_name,email\n${Array.from({ length: n === 0 ? 20_000 : 3000 }, (_, i) => `Fair,A${n}-${i},fair-a${n}-${i}@queue.example`).join('\n')}\n`;
    const aIds: string[] = [];
    for (let n = 0; n < 3; n++) {
      const r = await post(a, big(n));
      expect(r.statusCode, r.body).toBe(202);
      aIds.push(r.json().id);
    }
    const rb = await post(b, 'first_name,last_name,email\nFair,B,fair-b@queue.example\n');
    expect(rb.statusCode, rb.body).toBe(202);
    const bId = rb.json().id as string;
    // The A jobs that had not started when B's arrived must finish after it (today's FIFO ran them first).
    const status = async (w: ApiWorld, id: string) => (await t.app.inject({ method: 'GET', url: `/v1/member-imports/${id}`, headers: auth(w.keys.import_members) })).json().status as string;
    const waitingA: string[] = [];
    for (const id of aIds) if ((await status(a, id)) === 'queued') waitingA.push(id);
    expect(waitingA.length).toBeGreaterThanOrEqual(1);
    await t.deps.imports.whenIdle();
    const finished = capturedLogs
      .filter((l) => l.includes('"member import finished"'))
      .map((l) => JSON.parse(l).jobId as string)
      .filter((id) => id === bId || aIds.includes(id));
    expect(finished).toHaveLength(4);
    for (const id of waitingA) expect(finished.indexOf(bId), `B before ${id}`).toBeLessThan(finished.indexOf(id));
    for (const id of [...aIds, bId]) expect(await status(id === bId ? b : a, id)).toBe('succeeded');
  });
});
