#!/usr/bin/env node
// Members list bench (issue 13): GET /v1/members?limit=100 requests/s on a real server process (dist/server.js)
// with 10,000 members ÷ the floor's (bench/floor-server.js `members`: bare Fastify, one prepared SELECT on the
// product's SQLite file, the same body shape, JSON.stringify), both on loopback, same run, alternating rounds.
// Without an Accept-Encoding (autocannon's default, like the floor, which never compresses), and the server's
// CPU per page with and without `accept-encoding: gzip, br`.
//
//   standalone:  npm run build && node bench/members.js [--duration 8] [--connections 50] [--members 10000]
//                → prints one JSON line { bench, membersRps, floorRps, ratio, serverCpuUsPerPage, ... }
//   profile:     BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/members.js (flags for the server process)
//   from run.js: import { membersBench } from './members.js'; const r = await membersBench({ duration: 8 });
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuPerRequest, ROOT, sideBySide, startFloor, startServer } from './lib.js';

const dist = (p) => import(path.join(ROOT, 'dist', p));

/** Fills a store with an environment of `count` members (through the members service, in batches) and a read key. */
async function prepareStore(dataDir, count) {
  const [{ loadConfig }, { createDeps }, { SYSTEM_ACTOR }] = await Promise.all([dist('config.js'), dist('deps.js'), dist('audit/audit.service.js')]);
  const deps = await createDeps({ ...loadConfig({}), dataDir, databaseUrl: undefined, redisUrl: undefined, logLevel: 'silent' }, { usageFlushMs: 60_000 });
  try {
    const env = await deps.environments.create({ slug: 'bench', name: 'Bench Leisure' });
    const first = ['Olivia', 'Jack', 'Amelia', 'Harry', 'Isla', 'Oliver', 'Ava', 'George'];
    const last = ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Patel', 'Khan'];
    for (let start = 0; start < count; start += 1000) {
      const rows = [];
      for (let i = start; i < Math.min(count, start + 1000); i++) {
        const email = `member${i}@bench.example`;
        rows.push({
          row: i + 2,
          firstName: first[i % 8],
          lastName: last[(i >> 3) % 8],
          email,
          emailLower: email,
          memberNumber: `B${String(i).padStart(8, '0')}`,
          dateOfBirth: `19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`,
          phone: `07700 ${900000 + (i % 99999)}`,
          addressLine1: `${1 + (i % 200)} High Street`,
          town: 'Leeds',
          postcode: `LS1 ${i % 10}AA`,
          marketingOptIn: i % 2 === 1,
          refs: [{ system: 'crm', id: `C${i}` }],
        });
      }
      await deps.unitOfWork.transaction((tx) => deps.members.applyBatch(tx, env.id, rows, { dryRun: false, actor: SYSTEM_ACTOR }));
    }
    const expiresOn = new Date(Date.now() + 180 * 86400_000).toISOString().slice(0, 10);
    const { key } = await deps.keys.create(env.id, { reference: 'bench read', purpose: 'flow_api', expiresOn }, SYSTEM_ACTOR);
    return { key, environmentId: env.id };
  } finally {
    await deps.close();
  }
}

/** GET /v1/members?limit=100 rps ÷ the floor's, side by side in one run; plus the product server's CPU per page. */
export async function membersBench({ duration = 8, connections = 50, members = 10_000 } = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-bench-members-'));
  const { key, environmentId } = await prepareStore(dataDir, members);
  const server = await startServer({ FLOW_DATA_DIR: dataDir }, process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : []);
  let floor;
  try {
    const url = `${server.base}/v1/members?limit=100`;
    const headers = { authorization: `Bearer ${key}` };
    const res = await fetch(url, { headers });
    if (res.status !== 200) throw new Error(`GET /v1/members answered ${res.status}: ${await res.text()}`);
    const body = await res.text();
    floor = await startFloor({ kind: 'members', dbFile: path.join(dataDir, 'flow.sqlite'), environmentId });
    const floorUrl = `${floor.base}/v1/members?limit=100`;
    const floorBody = await (await fetch(floorUrl)).text();
    if (floorBody !== body) throw new Error('the floor does not answer the same body as the product');
    const rounds = 4;
    const seconds = Math.max(2, Math.round(duration / rounds));
    const r = await sideBySide({ url, headers }, { url: floorUrl }, { rounds, seconds, connections });
    const compressed = { ...headers, 'accept-encoding': 'gzip, br' };
    const gzipped = { ...headers, 'accept-encoding': 'gzip' };
    // fetch would decode the body: node:http gives the bytes as sent.
    const encoded = (h) =>
      new Promise((resolve, reject) => {
        http.get(url, { headers: h }, (r) => {
          let bytes = 0;
          r.on('data', (d) => (bytes += d.length));
          r.on('end', () => resolve(`${r.headers['content-encoding'] ?? 'identity'} ${bytes} B`));
        }).on('error', reject);
      });
    return {
      bench: 'members_list_vs_floor',
      membersRps: r.aRps,
      floorRps: r.bRps,
      ratio: r.ratio,
      ratios: r.ratios,
      // The product server's own CPU per page, and /health for the per-request framework cost every route pays.
      serverCpuUsPerPage: await cpuPerRequest(server.child.pid, url, { headers, amount: 10000, connections }),
      // What a client sending Accept-Encoding costs (the server picks br when offered, at @fastify/compress's defaults).
      serverCpuUsPerCompressedPage: await cpuPerRequest(server.child.pid, url, { headers: compressed, amount: 5000, connections }),
      compressed: await encoded(compressed),
      serverCpuUsPerGzipPage: await cpuPerRequest(server.child.pid, url, { headers: gzipped, amount: 5000, connections }),
      gzipped: await encoded(gzipped),
      serverCpuUsPerHealth: await cpuPerRequest(server.child.pid, `${server.base}/health`, { connections }),
      floorCpuUsPerPage: await cpuPerRequest(floor.pid, floorUrl, { amount: 10000, connections }),
      membersP99Ms: r.aP99Ms,
      bodyBytes: Buffer.byteLength(body),
      members,
      connections,
      secondsPerRound: seconds,
      rounds,
      errors: r.errors,
    };
  } finally {
    await floor?.stop();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '8' }, connections: { type: 'string', default: '50' }, members: { type: 'string', default: '10000' } } });
  console.log(JSON.stringify(await membersBench({ duration: Number(values.duration), connections: Number(values.connections), members: Number(values.members) })));
}
