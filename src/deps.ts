import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { openStore, type Store } from './db/client.js';
import { migrate } from './db/migrate.js';
import { createUnitOfWork } from './db/unit-of-work.js';
import { bindRepositories } from './repositories.js';
import { createAuditService } from './audit/audit.service.js';
import { createCheckout } from './checkout/checkout.wiring.js';
import { createEnvironmentsService } from './environments/environments.service.js';
import { createKeyChangeFollower } from './keys/key-changes.follower.js';
import { createKeysService } from './keys/keys.service.js';
import { createUsageRecorder } from './keys/usage-recorder.js';
import { createVerifier } from './keys/verifier.js';
import { createLeakedKeysService } from './keys/leaked.service.js';
import { createExpiryService } from './expiry/expiry.service.js';
import { createMetrics } from './metrics/metrics.js';
import { createLogosService } from './logos/logos.service.js';
import { createMemoryState, type SharedState } from './shared/shared-state.js';
import { createStaffService } from './staff/staff.service.js';
import { systemClock, type Clock } from './kernel/time.js';
import { LOG_REDACT, logSerializers } from './http/logging.js';
import { createPublicApi } from './public-api/public-api.deps.js';

/** Options tests use to replace the clock, the log destination or the store. */
interface DepsOptions {
  clock?: Clock;
  logStream?: NodeJS.WritableStream;
  store?: Store;
  usageFlushMs?: number;
}

/** Builds every service from the configuration: the one place where parts are wired together. */
export async function createDeps(config: Config, opts: DepsOptions = {}) {
  const clock = opts.clock ?? systemClock;
  const logger: Logger = pino(
    { level: config.logLevel, redact: { paths: LOG_REDACT, censor: '[redacted]' }, serializers: logSerializers },
    (opts.logStream as pino.DestinationStream | undefined) ?? pino.destination({ fd: 1, sync: false }),
  );
  const store = opts.store ?? openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await migrate(store);
  const shared: SharedState = config.redisUrl
    ? await (await import('./shared/redis-state.js')).createRedisState(config.redisUrl, logger, { prefix: config.redisPrefix }) : createMemoryState();
  const metrics = createMetrics();
  const { db } = store;
  // Every repository once, on the database; the unit of work binds the same set to each transaction.
  const repos = bindRepositories(db, { clock, dialect: store.dialect });
  const unitOfWork = createUnitOfWork(db, (ex) => bindRepositories(ex, { clock, dialect: store.dialect }));

  const keysRepo = repos.keys;
  const keyChanges = repos.keyChanges;
  // Every node follows the store's change feed (started by the server): revocations by any writer reach it.
  const keyFeed = createKeyChangeFollower({
    repo: keyChanges,
    dialect: store.dialect,
    clock,
    logger,
    listen: store.listen,
    onChanged: (ids) => verifier.drop(ids),
    onResync: () => verifier.dropAll(),
  });
  const verifier = createVerifier({ repo: keysRepo, clock, shared, ttlMs: config.keyCacheTtlMs, metrics, feed: keyFeed });
  const usage = createUsageRecorder({
    repo: keysRepo,
    clock,
    flushMs: opts.usageFlushMs ?? 5000,
    onError: (err) => logger.warn({ err }, 'usage flush failed; will retry'),
  });
  const audit = createAuditService({ repo: repos.audit });
  const environments = createEnvironmentsService({ repo: repos.environments, clock });
  const staff = createStaffService({ repo: repos.staff, clock, shared });
  const logos = createLogosService({ repo: repos.logos, clock });
  const keys = createKeysService({ repo: keysRepo, store: unitOfWork, clock, environments, logos, staff, invalidate: (id) => verifier.invalidate(id) });
  const leaked = createLeakedKeysService({
    repo: repos.leaked,
    store: unitOfWork,
    clock,
    invalidate: (id) => verifier.invalidate(id),
    onRevoked: (n) => metrics.leakedRevoked(n),
  });
  const expiry = createExpiryService({
    repo: repos.expiry,
    store: unitOfWork,
    clock,
    environments,
    onWarned: (n) => metrics.expiryWarnings(n),
    onError: (err) => logger.warn({ err }, 'expiry check failed; will retry'),
  });

  const publicApi = createPublicApi({ repos, unitOfWork, clock, logger, dataDir: config.dataDir, publicUrl: config.publicUrl, metrics });
  const checkout = createCheckout({ repos, unitOfWork, clock, environments, logos, members: publicApi.members, memberships: publicApi.memberships });

  return {
    ...publicApi,
    config,
    clock,
    logger,
    store,
    repos,
    unitOfWork,
    shared,
    verifier,
    keyFeed,
    usage,
    audit,
    environments,
    staff,
    logos,
    keys,
    metrics,
    leaked,
    expiry,
    checkout,
    /** Flushes batched writes and closes connections. */
    async close(): Promise<void> {
      await publicApi.close();
      await expiry.stop();
      await keyFeed.stop();
      await usage.stop();
      await shared.close();
      await store.close();
      logger.flush?.();
    },
  };
}
export type Deps = Awaited<ReturnType<typeof createDeps>>;
