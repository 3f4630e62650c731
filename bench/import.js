// Member-import benchmark: imports a generated N-row CSV through POST /v1/member-imports on a loopback
// server and reports rows/s, peak RSS, and GET /v1/members?limit=100 requests/s against /health.
// Use: `node bench/import.js [--rows 100000] [--no-list]` (prints one JSON line), or import
// `runImportBench({ rows, baseUrl?, importKey?, readKey? })` from bench/run.js. Needs `npm run build` first.
// SQLite by default (temporary FLOW_DATA_DIR); with DATABASE_URL set, a fresh PostgreSQL database is made and dropped.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { freshPostgres } from './lib.js';
import autocannon from 'autocannon';

const dist = new URL('../dist/', import.meta.url);
const load = (p) => import(new URL(p, dist).href);

/** Writes an N-row member CSV without holding it in memory. */
async function writeCsv(file, rows, narrow) {
  const out = fs.createWriteStream(file);
  if (narrow) {
    // Fewer columns, so a million rows stay under the 100 MiB body limit.
    out.write('first_name,last_name,email,member_number,external_system,external_id\n');
    for (let i = 0; i < rows; i++) {
      if (!out.write(`Olivia,Smith,m${i}@bench.example,B${i},crm,C${i}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    return;
  }
  out.write('first_name,last_name,email,member_number,date_of_birth,phone,address_line1,town,postcode,marketing_opt_in,external_system,external_id\n');
  const first = ['Olivia', 'Jack', 'Amelia', 'Harry', 'Isla', 'Oliver', 'Ava', 'George'];
  const last = ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Patel', 'Khan'];
  for (let i = 0; i < rows; i++) {
    const line = `${first[i % 8]},${last[(i >> 3) % 8]},member${i}@bench.example,B${String(i).padStart(8, '0')},19${String(50 + (i % 50))}-0${1 + (i % 9)}-1${i % 10},07700 ${String(900000 + (i % 99999))},${1 + (i % 200)} High Street,Leeds,LS1 ${i % 10}AA,${i % 2 ? 'yes' : 'no'},crm,C${i}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Starts an in-process server on loopback with keys for the bench; returns its URL, keys and a stop function. */
async function startServer(dataDir) {
  const { loadConfig } = await load('config.js');
  const { createDeps } = await load('deps.js');
  const { buildApp } = await load('app.js');
  const pgdb = process.env.DATABASE_URL ? await freshPostgres(process.env.DATABASE_URL) : undefined;
  const config = { ...loadConfig({ FLOW_RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: 'warn' }), dataDir, databaseUrl: pgdb?.url };
  const deps = await createDeps(config);
  const app = await buildApp(deps);
  const env = await deps.environments.create({ slug: 'bench', name: 'Bench' });
  const actor = { type: 'system', id: null, label: 'bench', ip: null };
  const expiresOn = new Date(Date.now() + 86400e3 * 30).toISOString().slice(0, 10);
  const importKey = (await deps.keys.create(env.id, { reference: 'bench import', purpose: 'import_members', expiresOn }, actor)).key;
  const readKey = (await deps.keys.create(env.id, { reference: 'bench read', purpose: 'flow_api', expiresOn }, actor)).key;
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    baseUrl,
    importKey,
    readKey,
    dialect: deps.store.dialect,
    stop: async () => {
      await app.close();
      await deps.close();
      await pgdb?.drop();
    },
  };
}

/** Runs the server in a child process (so its peak RSS is the server's alone); resolves with its details. */
async function startServerProcess() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-bench-server-'));
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, '--serve', path.join(dir, 'data')], { stdio: ['pipe', 'pipe', 'inherit'], env: process.env });
  const first = await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const info = JSON.parse(first);
  return {
    ...info,
    /** Peak resident memory of the server process so far (Linux: VmHWM). */
    peakRssMb: () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return m ? Math.round(Number(m[1]) / 1024) : undefined;
      } catch {
        return undefined;
      }
    },
    stop: async () => {
      child.stdin.end();
      await once(child, 'exit');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function rps(url, headers) {
  const r = await autocannon({ url, headers, connections: 10, duration: 5, pipelining: 1 });
  if (r.non2xx > 0) throw new Error(`${url}: ${r.non2xx} non-2xx answers`);
  return r.requests.average;
}

/**
 * Imports `rows` generated members and measures rows/s (upload + processing, until the job succeeds);
 * then, unless `list` is false, GET /v1/members?limit=100 vs /health requests/s on the same server.
 */
export async function runImportBench({ rows = 100_000, baseUrl, importKey, readKey, list = true, narrow = rows > 800_000 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-bench-import-'));
  const server = baseUrl ? { baseUrl, importKey, readKey, dialect: 'remote', stop: async () => {}, peakRssMb: () => undefined } : await startServerProcess();
  try {
    const file = path.join(dir, 'members.csv');
    await writeCsv(file, rows, narrow);
    const size = fs.statSync(file).size;
    const auth = { authorization: `Bearer ${server.importKey}` };
    const t0 = performance.now();
    const res = await fetch(`${server.baseUrl}/v1/member-imports`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/csv', 'content-length': String(size) },
      body: Readable.toWeb(fs.createReadStream(file, { highWaterMark: 1024 * 1024 })),
      duplex: 'half',
    });
    if (res.status !== 202) throw new Error(`import refused: ${res.status} ${await res.text()}`);
    let job = await res.json();
    const uploaded = performance.now();
    while (job.status === 'queued' || job.status === 'running') {
      await new Promise((r) => setTimeout(r, 100));
      job = await (await fetch(`${server.baseUrl}/v1/member-imports/${job.id}`, { headers: auth })).json();
    }
    const seconds = (performance.now() - t0) / 1000;
    if (job.status !== 'succeeded' || job.counts.created !== rows) throw new Error(`import ended ${job.status}: ${JSON.stringify(job)}`);
    const result = {
      bench: 'member-import',
      dialect: server.dialect,
      rows,
      columns: narrow ? 6 : 12,
      megabytes: Math.round((size / 1048576) * 10) / 10,
      seconds: Math.round(seconds * 100) / 100,
      uploadSeconds: Math.round((uploaded - t0) / 10) / 100,
      rowsPerSecond: Math.round(rows / seconds),
      serverPeakRssMb: server.peakRssMb(),
    };
    if (list && server.readKey) {
      const health = await rps(`${server.baseUrl}/health`, {});
      const members = await rps(`${server.baseUrl}/v1/members?limit=100`, { authorization: `Bearer ${server.readKey}` });
      Object.assign(result, { healthRps: Math.round(health), membersListRps: Math.round(members), membersListVsHealth: Math.round((members / health) * 1000) / 1000 });
    }
    return result;
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href;
if (isMain) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { rows: { type: 'string' }, 'no-list': { type: 'boolean' }, serve: { type: 'boolean' } } });
  if (values.serve) {
    // Child mode: serve until the parent closes our stdin.
    if (process.env.FLOW_BENCH_MEMORY_PROBE) {
      // Diagnosis: the largest value of each memory figure, printed to stderr on exit.
      const max = {};
      setInterval(() => {
        const m = process.memoryUsage();
        for (const k in m) max[k] = Math.max(max[k] ?? 0, Math.round(m[k] / 1048576));
      }, 50).unref();
      process.on('exit', () => process.stderr.write(`memory (MB, max): ${JSON.stringify(max)}\n`));
    }
    const server = await startServer(positionals[0]);
    process.stdout.write(JSON.stringify({ baseUrl: server.baseUrl, importKey: server.importKey, readKey: server.readKey, dialect: server.dialect }) + '\n');
    process.stdin.resume();
    process.stdin.on('end', () => server.stop().then(() => process.exit(0)));
  } else runImportBench({ rows: Number(values.rows ?? 100_000), list: !values['no-list'] })
    .then((r) => process.stdout.write(JSON.stringify(r) + '\n'))
    .catch((err) => {
      process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
      process.exitCode = 1;
    });
}
