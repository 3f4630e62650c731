import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers.js';
import { call, clusterSkipReason, createKey, login, redisPrefix, startNode, type Node } from './cluster.js';

const skip = clusterSkipReason();
if (skip) console.warn(`[production/import-crash] skipped: ${skip}`);

const ROWS = 40_000;
const BATCH = 1000; // rows per committed batch in the import service

/**
 * `kill -9` of the node running a member import, on PostgreSQL with a second node alive: what is in the
 * store is exactly the batches the job says it committed (nothing half-written), and when the node
 * comes back the job resumes from there and every row arrives once (nothing lost, nothing doubled).
 */
describe.skipIf(!!skip)('kill -9 mid-import', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let client: pg.Client;
  const dataDirA = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-crash-a-'));
  let env: Record<string, string>;
  let a: Node | undefined;
  let b: Node | undefined;

  beforeAll(async () => {
    db = await freshDatabase();
    env = { DATABASE_URL: db.config.databaseUrl!, REDIS_URL: process.env.REDIS_URL!, FLOW_REDIS_PREFIX: redisPrefix() };
    a = await startNode({ ...env, FLOW_DATA_DIR: dataDirA });
    b = await startNode(env);
    client = new pg.Client({ connectionString: db.config.databaseUrl });
    await client.connect();
  }, 90_000);

  afterAll(async () => {
    await a?.stop('SIGKILL');
    await b?.stop('SIGTERM');
    await client?.end();
    await db?.drop();
    fs.rmSync(dataDirA, { recursive: true, force: true });
  }, 60_000);

  const written = async () => {
    const r = await client.query(`select count(*)::int as n, count(distinct email_lower)::int as d from members where email_lower like '%@crash.test'`);
    return r.rows[0] as { n: number; d: number };
  };
  const job = async (id: string) => (await client.query(`select status, committed_through_row, rows_created, rows_read from import_jobs where id = $1`, [id])).rows[0];

  it('leaves only whole batches, then resumes and imports every row exactly once', async () => {
    const s = await login(a!.url);
    const key = (await createKey(a!.url, s, { purpose: 'import_members', rateLimitPerMinute: 100_000 })).key;
    const lines = ['first_name,last_name,email,member_number'];
    for (let i = 1; i <= ROWS; i++) lines.push(`First${i},Last${i},member${i}@crash.test,CR${String(i).padStart(6, '0')}`);
    const started = await fetch(`${a!.url}/v1/member-imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
      body: lines.join('\n') + '\n',
    });
    expect(started.status, await started.clone().text()).toBe(202);
    const id = ((await started.json()) as { id: string }).id;

    // Wait until a few batches are in, then kill the node running the job.
    await expect
      .poll(async () => job(id), { timeout: 60_000, interval: 10, message: 'the import must still be running when the node is killed (make ROWS larger)' })
      .toSatisfy((seen: Awaited<ReturnType<typeof job>>) => seen.status === 'running' && seen.rows_read >= 2 * BATCH);
    await a!.stop('SIGKILL');

    const atCrash = await job(id);
    const rows = await written();
    expect(atCrash.status).toBe('running');
    expect(atCrash.committed_through_row).toBeLessThan(ROWS);
    expect(atCrash.rows_read % BATCH).toBe(0); // whole batches only
    expect(rows.n).toBe(atCrash.rows_created); // the store holds exactly what the job says it committed
    expect(rows.n).toBe(atCrash.rows_read);
    expect(rows.d).toBe(rows.n);
    // The other node keeps serving the job's state meanwhile.
    const polled = await call(b!.url, 'GET', `/v1/member-imports/${id}`, { headers: { authorization: `Bearer ${key}` } });
    expect(polled.status).toBe(200);
    expect(polled.json.committedThroughRow).toBe(atCrash.committed_through_row);

    // Bring the node back on its data directory at once: its spool file is there, so it resumes the job on
    // start however recent the heartbeat (the other node's sweep leaves a job alone for 2 minutes).
    a = await startNode({ ...env, FLOW_DATA_DIR: dataDirA });

    await expect.poll(async () => (await job(id)).status, { timeout: 120_000, interval: 100 }).toMatch(/^(succeeded|failed)$/);
    const final = await job(id);
    expect(final.status).toBe('succeeded');
    const after = await written();
    expect(after.n).toBe(ROWS); // nothing lost
    expect(after.d).toBe(ROWS); // nothing doubled
    expect(final.rows_created).toBe(ROWS);
    console.log(`[production/import-crash] killed after ${atCrash.rows_read} of ${ROWS} rows; resumed and finished with ${after.n}`);
  }, 240_000);
});
