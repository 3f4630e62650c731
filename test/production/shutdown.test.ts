import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVER, call, createKey, login, startNode, type Node } from './cluster.js';

const skip = fs.existsSync(SERVER) ? undefined : 'dist/server.js is missing: run `npm run build` first';
if (skip) console.warn(`[production/shutdown] skipped: ${skip}`);

/** A real server process (embedded SQLite) stopped with SIGTERM under load. */
describe.skipIf(!!skip)('graceful shutdown', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-shutdown-'));
  let node: Node | undefined;
  afterAll(async () => {
    await node?.stop('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes in-flight requests, flushes batched usage counters and exits 0', async () => {
    node = await startNode({ FLOW_DATA_DIR: dataDir });
    const s = await login(node.url);
    const k = await createKey(node.url, s);
    const auth = { authorization: `Bearer ${k.key}` };
    let ok = 0;
    const others: string[] = [];
    // Usage is flushed every 5 s; these 40 stay in memory until shutdown.
    for (let i = 0; i < 40; i++) if ((await call(node.url, 'GET', '/v1/me', { headers: auth })).status === 200) ok++;
    // A burst in flight when SIGTERM arrives.
    const burst = Array.from({ length: 40 }, () =>
      call(node!.url, 'GET', '/v1/me', { headers: auth }).then(
        (r) => (r.status === 200 ? ok++ : others.push(String(r.status))),
        (e: Error) => others.push(e.message),
      ),
    );
    await new Promise((r) => setTimeout(r, 5));
    const exit = node.stop('SIGTERM');
    await Promise.all(burst);
    expect(await exit).toBe(0);
    // Answers other than 200 may only be refusals of requests that arrived after shutdown began.
    for (const o of others) expect(o).toMatch(/^(503|fetch failed)/);
    const db = new SQLite(path.join(dataDir, 'flow.sqlite'), { readonly: true });
    const row = db.prepare(`select coalesce(sum(count), 0) as n from key_usage_daily where key_id = ? and outcome = 'ok'`).get(k.id) as { n: number };
    db.close();
    expect(ok).toBeGreaterThanOrEqual(40);
    expect(row.n).toBe(ok); // every successful call counted, none lost at shutdown
  }, 60_000);
});
