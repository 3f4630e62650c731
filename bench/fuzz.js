// Long fuzz run (issue 6): the seeded fuzz test of test/production/fuzz.test.ts with more requests and a
// fresh seed, in-process; prints a JSON summary line. `npm test` runs the same test with 10,000 requests.
//   node bench/fuzz.js                       # 50,000 requests, random seed
//   FUZZ_RUNS=200000 FUZZ_SEED=42 node bench/fuzz.js
//   DATABASE_URL=postgres://… node bench/fuzz.js   # against PostgreSQL
// A failure prints the seed: replay it with FUZZ_SEED=<seed> npx vitest run test/production/fuzz.test.ts
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './lib.js';

/** Runs the fuzz test with `runs` requests; returns the summary. */
export function fuzz({ runs = Number(process.env.FUZZ_RUNS ?? 50_000), seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31)) } = {}) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', 'test/production/fuzz.test.ts'], {
    cwd: ROOT,
    env: { ...process.env, FUZZ_RUNS: String(runs), FUZZ_SEED: String(seed) },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const out = r.stdout + r.stderr;
  const statuses = /statuses (\{[^\n]*\})/.exec(out)?.[1];
  return {
    bench: 'fuzz',
    store: process.env.DATABASE_URL ? 'postgres' : 'sqlite',
    runs,
    seed,
    seconds: Math.round((Date.now() - started) / 1000),
    statuses: statuses ? JSON.parse(statuses) : null,
    ok: r.status === 0,
    ...(r.status === 0 ? {} : { failures: out.split('\n').filter((l) => l.includes('#') && l.includes('→')).slice(0, 20).map((l) => l.trim().slice(0, 300)) }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const summary = fuzz();
  console.log(JSON.stringify(summary));
  process.exitCode = summary.ok ? 0 : 1;
}
