import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AuditService } from '../audit/audit.service.js';
import type { Database } from '../db/schema.js';
import type { Clock } from '../kernel/time.js';
import type { Resolve } from './address-guard.js';
import { createDeliveryClient, type DeliveryClient } from './delivery-client.js';
import { createSecretBox, loadSecretKey } from './secret-box.js';
import { createWebhookEventsRepository } from './webhook-events.repository.js';
import { createWebhooksRepository } from './webhooks.repository.js';
import { createWebhooksService } from './webhooks.service.js';
import { createWebhookWorker } from './webhooks.worker.js';

/** The webhooks capability: the endpoints service, the outbox factory for units of work, and the delivery worker. */
export function createWebhooks(deps: {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditService;
  logger: Logger;
  dataDir: string;
  allowPrivate: boolean;
  secretKey: Buffer | undefined;
  /** Tests: a resolver (DNS rebinding) or a sender of their own; poll interval. */
  resolve?: Resolve;
  send?: DeliveryClient;
  pollMs?: number;
}) {
  const secrets = createSecretBox(loadSecretKey(deps.secretKey, deps.dataDir));
  const repo = createWebhooksRepository(deps.db);
  /** The outbox on any executor: a unit of work binds it to its transaction (`tx.webhookEvents.record`). */
  const eventsOn = (ex: Kysely<Database>) => createWebhookEventsRepository(ex, deps.clock);
  const service = createWebhooksService({ repo, events: eventsOn(deps.db), secrets, clock: deps.clock, allowPrivate: deps.allowPrivate, resolve: deps.resolve, audit: deps.audit });
  const worker = createWebhookWorker({
    repo,
    send: deps.send ?? createDeliveryClient({ allowPrivate: deps.allowPrivate, resolve: deps.resolve }),
    secrets,
    clock: deps.clock,
    logger: deps.logger,
    pollMs: deps.pollMs,
  });
  return { service, worker, eventsOn };
}
