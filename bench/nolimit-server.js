// A bench-only server: the production app and configuration with the rate limiter's counting replaced by
// a constant "allowed" answer, to measure what the limiter costs (no production toggle exists for this).
// Usage: PORT=… [DATABASE_URL=… REDIS_URL=…] node bench/nolimit-server.js (the in-process limiter without them)
import path from 'node:path';
import { ROOT } from './lib.js';

const dist = (p) => import(path.join(ROOT, 'dist', p));
const { loadConfig } = await dist('config.js');
const { createDeps } = await dist('deps.js');
const { buildApp } = await dist('app.js');

const config = loadConfig();
const deps = await createDeps(config);
const real = deps.shared;
// Only the per-request counting is replaced; pub/sub, ping and the rest stay real.
// Synchronous, as the in-process limiter answers: "off" must not add a promise the real one does not.
const allowed = (_bucket, limit) => ({ allowed: true, limit, remaining: limit, resetSeconds: 60 });
deps.shared = { ...real, hit: allowed, peek: allowed };
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
