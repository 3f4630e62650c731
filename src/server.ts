import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createDeps } from './deps.js';
import { seedIfEmpty } from './seed.js';
import { passwordProblem } from './staff/password-policy.js';

/** Starts the server: config → deps → app → listen, with graceful shutdown on SIGTERM/SIGINT. */
export async function serve(config: Config): Promise<void> {
  // Before anything is opened or written: a common first-start password stops start-up, naming the variable.
  const weak = config.adminPassword === undefined ? undefined : await passwordProblem(config.adminPassword);
  if (weak) throw new ConfigError(`FLOW_ADMIN_PASSWORD ${weak}`);
  const deps = await createDeps(config);
  const login = await seedIfEmpty(deps);
  const app = await buildApp(deps);
  // Every periodic job (usage flush, key change feed, expiry check, import recovery and sweep, idempotency
  // purge, webhook deliveries), before serving: the first read of the key change feed is done when this resolves.
  await deps.scheduler.start();
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  process.stdout.write(`\nFLOW API Keys is running.\n  Console:  ${base}/\n  API docs: ${base}/docs\n`);
  if (login) {
    process.stdout.write(
      `\nFirst start: created the "demo" environment and an admin user.\n  Email:    ${login.email}\n` +
        (login.generated ? `  Password: ${login.password}\n  (shown this once; it is not stored anywhere readable)\n` : '  Password: the one in FLOW_ADMIN_PASSWORD\n'),
    );
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    deps.logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await app.close();
    await deps.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  serve(config).catch((err: unknown) => {
    const what = err instanceof ConfigError ? 'Configuration error' : 'Failed to start';
    process.stderr.write(`${what}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
