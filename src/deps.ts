import path from 'node:path';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { openStore, type Store } from './db/client.js';
import { migrate } from './db/migrate.js';
import { createUnitOfWork } from './db/unit-of-work.js';
import { bindRepositories } from './repositories.js';
import { createAuditService } from './audit/audit.service.js';
import { createCheckoutService } from './checkout/checkout.service.js';
import type { PaymentProvider } from './checkout/payment-provider.js';
import { createTestProvider, type TestProvider } from './checkout/test-provider.js';
import { createAccessCodesService } from './access-codes/access-codes.service.js';
import { createAttendanceService } from './attendance/attendance.service.js';
import { createIdempotencyService } from './idempotency/idempotency.service.js';
import { IMPORT_SWEEP_MS } from './imports/import-recovery.js';
import { createImportsService } from './imports/imports.service.js';
import { createMembersService } from './members/members.service.js';
import { createMembershipTypesService } from './membership-types/membership-types.service.js';
import { createMembershipsService } from './memberships/memberships.service.js';
import { createSitesService } from './sites/sites.service.js';
import { createScheduler } from './shared/scheduler.js';
import { createEnvironmentsService } from './environments/environments.service.js';
import { createKeyChangeFollower, KEY_FEED_POLL_MS } from './keys/key-changes.follower.js';
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
import { createDeliveryClient, type DeliveryClient } from './webhooks/delivery-client.js';
import { createSecretBox, loadSecretKey } from './webhooks/secret-box.js';
import { createWebhooksService } from './webhooks/webhooks.service.js';
import { createWebhookWorker } from './webhooks/webhooks.worker.js';
import { createPgBossWebhookWorker } from './webhooks/webhooks.worker-pgboss.js';

/** Options tests use to replace the clock, the log destination or the store. */
interface DepsOptions {
  clock?: Clock;
  logStream?: NodeJS.WritableStream;
  store?: Store;
  usageFlushMs?: number;
  /** The payment provider of checkouts; the built-in test provider when not given (see docs/payments.md). */
  paymentProvider?: PaymentProvider;
  /** Webhooks: replace the delivery client (tests) or the worker's poll interval. */
  webhookSend?: DeliveryClient;
  webhookPollMs?: number;
}

/** How often open checkout sessions past their expiry are looked for. */
const CHECKOUT_EXPIRY_SWEEP_MS = 60_000;
/** Idempotency records live 24 h; expired ones are purged hourly. */
const IDEMPOTENCY_PURGE_MS = 3600_000;
/** Webhook delivery attempts are kept 30 days; older ones are purged daily. */
const WEBHOOK_LOG_PURGE_MS = 24 * 3600_000;

/** Builds every service from the configuration: the one place where parts are wired together. */
export async function createDeps(config: Config, opts: DepsOptions = {}) {
  const clock = opts.clock ?? systemClock;
  // Synchronous writes to stdout: the access log hands over one batch per turn of the event loop (see
  // http/logging.ts), so a write per turn on this thread is cheaper than a thread-pool round trip per batch.
  const logger: Logger = pino(
    { level: config.logLevel, redact: { paths: LOG_REDACT, censor: '[redacted]' }, serializers: logSerializers },
    (opts.logStream as pino.DestinationStream | undefined) ?? pino.destination({ fd: 1, sync: true }),
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
  // Every node follows the store's change feed (started by the scheduler): revocations by any writer reach it.
  const keyFeed = createKeyChangeFollower({
    repo: repos.keyChanges,
    dialect: store.dialect,
    clock,
    logger,
    listen: store.listen,
    onChanged: (ids) => verifier.drop(ids),
    onResync: () => verifier.dropAll(),
  });
  const verifier = createVerifier({ repo: keysRepo, clock, shared, ttlMs: config.keyCacheTtlMs, metrics, feed: keyFeed });
  const usage = createUsageRecorder({ repo: keysRepo, clock });
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
  });

  // The public API's resources.
  const membersRepo = repos.members;
  const memberExists = async (environmentId: string, memberId: string) => (await membersRepo.find(memberId, environmentId)) !== undefined;
  const sites = createSitesService({ repo: repos.sites, clock });
  const membershipTypes = createMembershipTypesService({ repo: repos.membershipTypes, clock });
  const members = createMembersService({ repo: membersRepo, store: unitOfWork, clock });
  const memberships = createMembershipsService({ repo: repos.memberships, store: unitOfWork, clock, memberExists });
  const attendance = createAttendanceService({ repo: repos.attendance, store: unitOfWork, clock });
  const accessCodes = createAccessCodesService({ repo: repos.accessCodes, clock, memberExists, hasActiveMembership: (e, m) => memberships.hasActive(e, m) });
  const idempotency = createIdempotencyService({ repo: repos.idempotency, clock });
  const imports = createImportsService({
    repo: repos.imports,
    store: unitOfWork,
    members,
    siteIds: async (environmentId) => new Set((await repos.sites.list(environmentId, { limit: 10_000 })).map((s) => s.id)),
    clock,
    logger,
    spoolDir: path.join(config.dataDir, 'imports'),
    publicUrl: config.publicUrl,
    metrics,
    idempotency,
  });

  // Checkout: the payment provider given, else the built-in test provider (whose routes are then served).
  const testProvider: TestProvider | undefined = opts.paymentProvider ? undefined : createTestProvider({ repo: repos.testMandates, clock });
  const checkout = {
    repo: repos.checkout,
    testProvider,
    service: createCheckoutService({
      repo: repos.checkout,
      store: unitOfWork,
      provider: opts.paymentProvider ?? (testProvider as TestProvider),
      membershipTypes: repos.membershipTypes,
      sites: repos.sites,
      members,
      memberships,
      environments,
      logos,
      clock,
      publicUrl: config.publicUrl,
    }),
  };

  // Webhooks (CONTRACT §8): endpoints per key, the outbox every unit of work binds (tx.webhookEvents), the delivery worker.
  if (store.dialect === 'postgres' && !config.webhookSecretKey) {
    logger.warn('FLOW_WEBHOOK_SECRET_KEY is not set: webhook secrets are encrypted with a key kept in this node’s data dir; every node must share one key');
  }
  const webhookSecrets = createSecretBox(loadSecretKey(config.webhookSecretKey, config.dataDir));
  const webhooksRepo = repos.webhooks;
  const webhooks = createWebhooksService({ repo: webhooksRepo, events: repos.webhookEvents, secrets: webhookSecrets, clock, allowPrivate: config.webhookAllowPrivate, audit });
  const webhookWorkerOpts = {
    repo: webhooksRepo,
    send: opts.webhookSend ?? createDeliveryClient({ allowPrivate: config.webhookAllowPrivate }),
    secrets: webhookSecrets,
    clock,
    logger,
  };
  // On PostgreSQL the attempts run on pg-boss (tables in the same database), shared by every node; on SQLite, in this process.
  const webhookWorker =
    store.dialect === 'postgres' && config.databaseUrl
      ? createPgBossWebhookWorker({ ...webhookWorkerOpts, connectionString: config.databaseUrl, relayMs: opts.webhookPollMs })
      : createWebhookWorker({ ...webhookWorkerOpts, pollMs: opts.webhookPollMs });

  // Every periodic job of the process, started by the server (scheduler.start()) and stopped by close().
  const scheduler = createScheduler({
    logger,
    jobs: [
      { name: 'usage flush', everyMs: opts.usageFlushMs ?? 5000, run: () => usage.flush(), runAtStart: false },
      // Every node follows the store's key change feed before serving: a key changed by the CLI or another node leaves the cache within a second.
      {
        name: 'key change feed',
        everyMs: KEY_FEED_POLL_MS[store.dialect],
        // The first read is done before start() resolves, so before the server listens.
        setUp: async () => {
          await keyFeed.start();
          await keyFeed.sync();
        },
        runAtStart: false,
        run: () => keyFeed.sync(),
        tearDown: () => keyFeed.stop(),
      },
      // Every node runs the check; each warning is claimed atomically, so concurrent runs record it once.
      { name: 'expiry check', everyMs: config.expiryCheckMs, run: () => expiry.check() },
      // Imports left behind by a stopped process resume (or are marked failed) at start; stale ones are swept.
      { name: 'import recovery', everyMs: 0, run: () => imports.recover() },
      { name: 'import sweep', everyMs: IMPORT_SWEEP_MS, run: () => imports.sweep(), runAtStart: false },
      // Open checkout sessions past their expiry are stored expired (and send checkout.session.expired) within a minute.
      { name: 'checkout expiry', everyMs: CHECKOUT_EXPIRY_SWEEP_MS, run: () => checkout.service.expireDue(), runAtStart: false },
      { name: 'idempotency purge', everyMs: IDEMPOTENCY_PURGE_MS, run: () => idempotency.purgeExpired(), runAtStart: false },
      // The delivery worker polls due deliveries itself (and at once when a slot frees); the scheduler starts and stops it.
      { name: 'webhook deliveries', everyMs: 0, runAtStart: false, setUp: async () => webhookWorker.start(), run: () => webhookWorker.tick(), tearDown: () => webhookWorker.stop() },
      { name: 'webhook log purge', everyMs: WEBHOOK_LOG_PURGE_MS, run: () => webhookWorker.purge(), runAtStart: false },
    ],
  });

  return {
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
    sites,
    membershipTypes,
    members,
    memberships,
    attendance,
    accessCodes,
    idempotency,
    imports,
    membersRepo,
    checkout,
    webhooks,
    webhookWorker,
    scheduler,
    /** Stops the background jobs (a running import pauses, to resume on the next start), flushes batched writes and closes connections. */
    async close(): Promise<void> {
      await scheduler.stop();
      await imports.close();
      await usage.flush().catch((err: unknown) => logger.warn({ err }, 'usage flush failed at shutdown; counts since the last flush are lost'));
      await shared.close();
      await store.close();
      logger.flush?.();
    },
  };
}
export type Deps = Awaited<ReturnType<typeof createDeps>>;
