// A bench-only server: the production app — its options, plugins, hooks, route table and surfaces — with the
// product's own per-request work on /v1/me replaced by the floor's: the key is checked by SHA-256 and one Map
// look-up, and the rate limit, usage count, metrics and access line do nothing. Beside the floor, it shows
// what the framework set-up of a real application costs; beside the product, what the product's own checks cost.
// Usage: PORT=… FLOW_DATA_DIR=… FLOW_BENCH_KEY=<a valid key of that store> node bench/nowork-server.js
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ROOT } from './lib.js';

const dist = (p) => import(path.join(ROOT, 'dist', p));
const { loadConfig } = await dist('config.js');
const { createDeps } = await dist('deps.js');
const { buildApp } = await dist('app.js');

const config = { ...loadConfig(), logLevel: 'silent' };
const deps = await createDeps(config);
const sha256 = (s) => createHash('sha256').update(s).digest('hex');
// The answer for the one key: the real verifier's, taken once (so the body and headers are the product's).
const key = process.env.FLOW_BENCH_KEY;
const answer = await deps.verifier.verify(key, '127.0.0.1');
if (!answer.ok) throw new Error(`FLOW_BENCH_KEY does not verify: ${answer.code}`);
const keys = new Map([[sha256(key), answer]]);
const invalid = { ok: false, code: 'key_invalid' };
deps.verifier.verify = (presented) => keys.get(sha256(presented)) ?? invalid;
const allowed = (_bucket, limit) => ({ allowed: true, limit, remaining: limit, resetSeconds: 60 });
deps.shared = { ...deps.shared, hit: allowed, peek: allowed };
deps.usage.record = () => {};
for (const name of ['http', 'verification', 'rateLimited']) deps.metrics[name] = () => {};
const app = await buildApp(deps);
await app.listen({ port: config.port, host: config.host });
process.stdout.write(`listening ${config.port}\n`);
const stop = async () => {
  await app.close();
  await deps.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
