// A bench-only server: the production app and configuration with part of its per-request work replaced, to
// measure what that part costs (no production toggle exists for this). FLOW_BENCH_STUB says which part:
//   limiter  the rate limiter's counting answers a constant "allowed" (pub/sub, ping and the rest stay real);
//            with DATABASE_URL and REDIS_URL, the Redis limiter, else the in-process one;
//   work     everything the product itself does on /v1/me: the key is checked by SHA-256 and one Map look-up as
//            in the floor, and the limiter, usage count, metrics and access line do nothing; the app's options,
//            plugins, hooks, surfaces and routes stay. Beside the floor, what the framework set-up of a real
//            application costs; beside the product, what the product's own checks cost.
//            FLOW_BENCH_KEY: a valid key of the store (its answer is taken once from the real verifier).
// Usage: PORT=… FLOW_DATA_DIR=… FLOW_BENCH_STUB=limiter|work [FLOW_BENCH_KEY=…] node bench/stubbed-server.js
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ROOT } from './lib.js';

const dist = (p) => import(path.join(ROOT, 'dist', p));
const { loadConfig } = await dist('config.js');
const { createDeps } = await dist('deps.js');
const { buildApp } = await dist('app.js');

const stub = process.env.FLOW_BENCH_STUB;
if (stub !== 'limiter' && stub !== 'work') throw new Error('FLOW_BENCH_STUB must be limiter or work');
const config = stub === 'work' ? { ...loadConfig(), logLevel: 'silent' } : loadConfig();
const deps = await createDeps(config);
// Synchronous, as the in-process limiter answers: "off" must not add a promise the real one does not.
const allowed = (_bucket, limit) => ({ allowed: true, limit, remaining: limit, resetSeconds: 60 });
deps.shared = { ...deps.shared, hit: allowed, peek: allowed };
if (stub === 'work') {
  const sha256 = (s) => createHash('sha256').update(s).digest('hex');
  const key = process.env.FLOW_BENCH_KEY;
  const answer = await deps.verifier.verify(key, '127.0.0.1');
  if (!answer.ok) throw new Error(`FLOW_BENCH_KEY does not verify: ${answer.code}`);
  const keys = new Map([[sha256(key), answer]]);
  const invalid = { ok: false, code: 'key_invalid' };
  deps.verifier.verify = (presented) => keys.get(sha256(presented)) ?? invalid;
  deps.usage.record = () => {};
  for (const name of ['http', 'verification', 'rateLimited']) deps.metrics[name] = () => {};
}
const app = await buildApp(deps);
await deps.scheduler.start();
await app.listen({ port: config.port, host: config.host });
process.stdout.write(`listening ${config.port}\n`);
const stop = async () => {
  await app.close();
  await deps.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
