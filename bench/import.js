// Member-import benchmark: imports a generated N-row CSV through POST /v1/member-imports on a loopback server
// (a child process: its CPU and peak RSS are its own) and, side by side from the same file, a raw better-sqlite3
// floor doing the import's minimum writes; with DATABASE_URL set, also the import on a fresh PostgreSQL database.
// Use: `node bench/import.js [--rows 100000] [--rounds 1] [--no-floor] [--cpu-prof <dir>]` (prints one JSON line;
// --cpu-prof profiles the server children), or import `runImportBench({ rows, ... })`. Needs `npm run build` first.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import pg from 'pg';
import { freshPostgres, SERVER_NODE_ARGS } from './lib.js';

const dist = new URL('../dist/', import.meta.url);
const load = (p) => import(new URL(p, dist).href);

const WIDE_HEADER = ['first_name', 'last_name', 'email', 'member_number', 'date_of_birth', 'phone', 'address_line1', 'town', 'postcode', 'marketing_opt_in', 'external_system', 'external_id'];
const NARROW_HEADER = ['first_name', 'last_name', 'email', 'member_number', 'external_system', 'external_id'];
const FIRST = ['Olivia', 'Jack', 'Amelia', 'Harry', 'Isla', 'Oliver', 'Ava', 'George'];
const LAST = ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Patel', 'Khan'];

/** The cells of generated row `i` (0-based), in header order: the CSV's and the floor's values are the same. */
function rowCells(i, narrow) {
  if (narrow) return ['Olivia', 'Smith', `m${i}@bench.example`, `B${i}`, 'crm', `C${i}`];
  return [
    FIRST[i % 8],
    LAST[(i >> 3) % 8],
    `member${i}@bench.example`,
    `B${String(i).padStart(8, '0')}`,
    `19${String(50 + (i % 50))}-0${1 + (i % 9)}-1${i % 10}`,
    `07700 ${String(900000 + (i % 99999))}`,
    `${1 + (i % 200)} High Street`,
    'Leeds',
    `LS1 ${i % 10}AA`,
    i % 2 ? 'yes' : 'no',
    'crm',
    `C${i}`,
  ];
}

/** Writes an N-row member CSV without holding it in memory (narrow: fewer columns, so a million rows stay under the 100 MiB body limit). */
async function writeCsv(file, rows, narrow) {
  const out = fs.createWriteStream(file);
  out.write(`${(narrow ? NARROW_HEADER : WIDE_HEADER).join(',')}\n`);
  for (let i = 0; i < rows; i++) {
    if (!out.write(`${rowCells(i, narrow).join(',')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
function cpuSecondsOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * The floor: what the import's database work costs done directly with better-sqlite3, on a file migrated by the
 * product's own migrations, with the product's pragmas (WAL, synchronous=NORMAL, foreign keys on), in
 * transactions of 1,000 rows (the import's batch). Per row it does the minimum the contract requires for a
 * generated row, which has an external reference and a member number:
 * - 2 indexed look-ups: the member holding the external reference (its primary key, joined to the member by
 *   id) and the member holding the member number (the unique (environment, number) index). The third look-up
 *   — by email — is made only for rows known by email alone, so the contract does not make it for these rows
 *   and the floor does not either.
 * - 3 inserts: the member, its external reference, and its audit event. The audit event is the minimum the
 *   floor would otherwise lack: the product must audit every member an import writes.
 * Per transaction, as the product must: the member change counter (each member's seq orders the updatedSince
 * feed) and the job's progress (committedThroughRow and counts: what a resumed import continues from).
 * The floor's per-row look-ups also find a member written by an earlier row of the same file, which is what
 * the product's in-memory set of seen keys is for (its look-ups are a batch at a time); there is no import_rows
 * table or seen-keys write. Ids are increasing counters (no per-row random tail: the database's work is the
 * same, and a random draw per row cost the floor a third of its time). It does not read or parse the CSV nor
 * validate cells: it is a floor for the writes, and the product pays those too. Pragmas as db/client.ts sets them.
 */
export async function runFloor({ rows, narrow }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-bench-floor-'));
  try {
    const { openStore } = await load('db/client.js');
    const { migrate } = await load('db/migrate.js');
    const store = openStore({ dataDir: dir });
    await migrate(store);
    await store.close();
    const { default: SQLite } = await import('better-sqlite3');
    const db = new SQLite(path.join(dir, 'flow.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const env = 'env_floor';
    const job = 'imp_floor';
    const now = () => new Date().toISOString();
    db.prepare("insert into environments (id, slug, name, time_zone, created_at) values (?, 'floor', 'Floor', 'Europe/London', ?)").run(env, now());
    db.prepare("insert into import_jobs (id, environment_id, api_key_id, status, dry_run, format, created_at, updated_at, runner, spool_bytes) values (?, ?, 'key_floor', 'running', 0, 'csv', ?, ?, 'floor', 0)").run(job, env, now(), now());
    const byRef = db.prepare('select m.* from member_external_refs r join members m on m.id = r.member_id where r.environment_id = ? and r.system = ? and r.external_id = ?');
    const byNumber = db.prepare('select * from members where environment_id = ? and member_number = ?');
    const insertMember = db.prepare(
      'insert into members (id, environment_id, member_number, first_name, last_name, email, email_lower, date_of_birth, phone, address_line1, address_line2, town, postcode, home_site_id, marketing_opt_in, external_refs, seq, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const insertRef = db.prepare('insert into member_external_refs (environment_id, system, external_id, member_id) values (?, ?, ?, ?)');
    const insertAudit = db.prepare(
      "insert into audit_events (id, environment_id, actor_type, actor_id, actor_label, action, target_type, target_id, ip, changes, created_at) values (?, ?, 'api_key', 'key_floor', null, 'member.created', 'member', ?, null, ?, ?)",
    );
    const counterRow = db.prepare("insert into change_counters (environment_id, name, value) values (?, 'members', 0) on conflict (environment_id, name) do nothing");
    const counter = db.prepare("update change_counters set value = value + ? where environment_id = ? and name = 'members' returning value");
    const progress = db.prepare("update import_jobs set status = 'running', rows_read = ?, rows_created = ?, committed_through_row = ?, updated_at = ? where id = ? and runner = 'floor'");
    const fields = JSON.stringify({ fields: narrow ? ['firstName', 'lastName', 'email', 'memberNumber', 'externalRefs'] : ['firstName', 'lastName', 'email', 'memberNumber', 'dateOfBirth', 'phone', 'addressLine1', 'town', 'postcode', 'marketingOptIn', 'externalRefs'], importId: job });
    const batch = db.transaction((from, to) => {
      counterRow.run(env);
      let seq = Number(counter.get(to - from, env).value) - (to - from) + 1;
      const at = now();
      for (let i = from; i < to; i++) {
        const c = rowCells(i, narrow);
        const [first, last, email, number] = c;
        const [system, externalId] = c.slice(-2);
        if (byRef.get(env, system, externalId) || byNumber.get(env, number)) throw new Error(`floor: row ${i} matched a member`);
        // As long as the product's ids (mem_ + 16, evt_ + 22) and, like them, increasing; random tails are not the database's work.
        const id = `mem_${String(i).padStart(16, '0')}`;
        const refs = JSON.stringify([{ system, id: externalId }]);
        if (narrow) insertMember.run(id, env, number, first, last, email, email.toLowerCase(), null, null, null, null, null, null, null, 0, refs, seq++, at, at);
        else insertMember.run(id, env, number, first, last, email, email.toLowerCase(), c[4], c[5], c[6], null, c[7], c[8], null, c[9] === 'yes' ? 1 : 0, refs, seq++, at, at);
        insertRef.run(env, system, externalId, id);
        insertAudit.run(`evt_${String(i).padStart(22, '0')}`, env, id, fields, at);
      }
      progress.run(to, to, to + 1, at, job);
    });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let from = 0; from < rows; from += 1000) batch(from, Math.min(rows, from + 1000));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const written = db.prepare('select count(*) as n from members').get().n;
    db.close();
    if (written !== rows) throw new Error(`floor wrote ${written} members, not ${rows}`);
    return { rowsPerSecond: Math.round(rows / seconds), cpuMicrosPerRow: Math.round(((cpu.user + cpu.system) / rows) * 10) / 10, seconds: Math.round(seconds * 100) / 100 };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
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
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    baseUrl,
    importKey,
    dialect: deps.store.dialect,
    databaseUrl: pgdb?.url,
    stop: async () => {
      await app.close();
      await deps.close();
      await pgdb?.drop();
    },
  };
}

/** Runs the server in a child process (so its peak RSS and CPU are the server's alone); resolves with its details. */
async function startServerProcess({ postgresUrl, nodeArgs = [] }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-bench-server-'));
  const env = { ...process.env };
  if (postgresUrl) env.DATABASE_URL = postgresUrl;
  else delete env.DATABASE_URL;
  const child = spawn(process.execPath, [...SERVER_NODE_ARGS, ...nodeArgs, new URL(import.meta.url).pathname, '--serve', path.join(dir, 'data')], { stdio: ['pipe', 'pipe', 'inherit'], env });
  // The server's log lines (pino, on stdout) may come before the child's announcement of its URL and key.
  const info = await new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.startsWith('{"benchServer":')) resolve(JSON.parse(line).benchServer);
      else process.stderr.write(`${line}\n`);
    });
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
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
    cpuSeconds: () => cpuSecondsOf(child.pid),
    stop: async () => {
      child.stdin.end();
      await once(child, 'exit');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * CPU seconds the PostgreSQL backends serving the server's (fresh) database have used, when PostgreSQL runs on
 * this host (else undefined): the server's pool keeps its connections, so this is the import's database work.
 */
async function postgresBackendCpuSeconds(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    const each = rows.map((r) => cpuSecondsOf(r.pid));
    return each.length > 0 && each.every((x) => x !== undefined) ? each.reduce((a, b) => a + b, 0) : undefined;
  } finally {
    await client.end();
  }
}

/** One import of `file` through POST /v1/member-imports on a fresh server, until the job succeeds. */
async function importOnce({ file, rows, postgresUrl, nodeArgs }) {
  const server = await startServerProcess({ postgresUrl, nodeArgs });
  try {
    const size = fs.statSync(file).size;
    const auth = { authorization: `Bearer ${server.importKey}` };
    const cpu0 = server.cpuSeconds();
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
      await new Promise((r) => setTimeout(r, 50));
      job = await (await fetch(`${server.baseUrl}/v1/member-imports/${job.id}`, { headers: auth })).json();
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = server.cpuSeconds() - cpu0;
    const backendCpu = server.databaseUrl ? await postgresBackendCpuSeconds(server.databaseUrl) : undefined;
    if (job.status !== 'succeeded' || job.counts.created !== rows) throw new Error(`import ended ${job.status}: ${JSON.stringify(job)}`);
    return {
      dialect: server.dialect,
      seconds,
      uploadSeconds: (uploaded - t0) / 1000,
      rowsPerSecond: Math.round(rows / seconds),
      // Includes the 20 status polls a second; robust to other load on the machine, unlike rows/s.
      cpuMicrosPerRow: Math.round((cpu / rows) * 1e7) / 10,
      backendCpuMicrosPerRow: backendCpu === undefined ? undefined : Math.round((backendCpu / rows) * 1e7) / 10,
      peakRssMb: server.peakRssMb(),
    };
  } finally {
    await server.stop();
  }
}

const round2 = (x) => Math.round(x * 100) / 100;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/**
 * The member-import bench, side by side in one run from one generated CSV file: in each of `rounds` rounds the
 * floor (runFloor), the import on a fresh SQLite server and — with `postgresUrl` (default: DATABASE_URL) — the
 * import on a fresh PostgreSQL database, one after the other. Rows/s count upload + processing until the job
 * succeeds. Ratios are medians of the rounds' ratios; CPU µs a row (server process, or the floor's own) are
 * robust to other load on the machine.
 */
export async function runImportBench({ rows = 100_000, narrow = rows > 800_000, floor = true, postgresUrl = process.env.DATABASE_URL, rounds = 1, nodeArgs = [] } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-bench-import-'));
  try {
    const file = path.join(dir, 'members.csv');
    await writeCsv(file, rows, narrow);
    const runs = [];
    for (let r = 0; r < rounds; r++) {
      const floored = floor ? await runFloor({ rows, narrow }) : undefined;
      const sqlite = await importOnce({ file, rows, nodeArgs });
      const postgres = postgresUrl ? await importOnce({ file, rows, postgresUrl, nodeArgs }) : undefined;
      runs.push({ floor: floored, sqlite, postgres });
    }
    const last = runs[runs.length - 1];
    const result = {
      bench: 'member-import',
      rows,
      columns: narrow ? 6 : 12,
      megabytes: Math.round((fs.statSync(file).size / 1048576) * 10) / 10,
      rounds,
      seconds: round2(median(runs.map((x) => x.sqlite.seconds))),
      uploadSeconds: round2(median(runs.map((x) => x.sqlite.uploadSeconds))),
      rowsPerSecond: median(runs.map((x) => x.sqlite.rowsPerSecond)),
      serverCpuMicrosPerRow: median(runs.map((x) => x.sqlite.cpuMicrosPerRow)),
      serverPeakRssMb: Math.max(...runs.map((x) => x.sqlite.peakRssMb ?? 0)) || undefined,
    };
    if (last.floor) {
      Object.assign(result, {
        floorRowsPerSecond: median(runs.map((x) => x.floor.rowsPerSecond)),
        ratioToFloor: round2(median(runs.map((x) => x.sqlite.rowsPerSecond / x.floor.rowsPerSecond))),
        ratioToFloorEachRound: runs.map((x) => round2(x.sqlite.rowsPerSecond / x.floor.rowsPerSecond)),
        floorCpuMicrosPerRow: median(runs.map((x) => x.floor.cpuMicrosPerRow)),
        cpuRatioToFloor: round2(median(runs.map((x) => x.floor.cpuMicrosPerRow / x.sqlite.cpuMicrosPerRow))),
      });
    }
    if (last.postgres) {
      Object.assign(result, {
        postgresSeconds: round2(median(runs.map((x) => x.postgres.seconds))),
        postgresRowsPerSecond: median(runs.map((x) => x.postgres.rowsPerSecond)),
        postgresServerCpuMicrosPerRow: median(runs.map((x) => x.postgres.cpuMicrosPerRow)),
        postgresBackendCpuMicrosPerRow: last.postgres.backendCpuMicrosPerRow === undefined ? undefined : median(runs.map((x) => x.postgres.backendCpuMicrosPerRow)),
        postgresServerPeakRssMb: Math.max(...runs.map((x) => x.postgres.peakRssMb ?? 0)) || undefined,
        postgresToSqlite: round2(median(runs.map((x) => x.postgres.rowsPerSecond / x.sqlite.rowsPerSecond))),
        postgresToSqliteEachRound: runs.map((x) => round2(x.postgres.rowsPerSecond / x.sqlite.rowsPerSecond)),
      });
    }
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href;
if (isMain) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { rows: { type: 'string' }, rounds: { type: 'string' }, 'no-floor': { type: 'boolean' }, 'no-list': { type: 'boolean' }, 'cpu-prof': { type: 'string' }, serve: { type: 'boolean' } },
  });
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
    process.stdout.write(JSON.stringify({ benchServer: { baseUrl: server.baseUrl, importKey: server.importKey, dialect: server.dialect, databaseUrl: server.databaseUrl } }) + '\n');
    process.stdin.resume();
    process.stdin.on('end', () => server.stop().then(() => process.exit(0)));
  } else runImportBench({
    rows: Number(values.rows ?? 100_000),
    rounds: Number(values.rounds ?? 1),
    floor: !values['no-floor'],
    nodeArgs: values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] : [],
  })
    .then((r) => process.stdout.write(JSON.stringify(r) + '\n'))
    .catch((err) => {
      process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
      process.exitCode = 1;
    });
}
