import { createHash, randomBytes, type Hash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { Actor, AuditRepository } from '../audit/audit.repository.js';
import { SYSTEM_ACTOR } from '../audit/audit.service.js';
import type { UnitOfWork } from '../db/unit-of-work.js';
import { AppError, invalid } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import type { IdempotencyService, StoredAnswer } from '../idempotency/idempotency.service.js';
import { refKey } from '../members/member-rules.js';
import type { MembersRepository } from '../members/members.repository.js';
import type { MembersService } from '../members/members.service.js';
import type { Metrics } from '../metrics/metrics.js';
import { dateIn, type Clock } from '../kernel/time.js';
import { validateRow, type RowError, type ValidRow } from './import-fields.js';
import { firstCharacter, parseFile, readCsvHeader, type ImportFormat, type ParsedItem } from './import-parsers.js';
import type { ImportJob, ImportsRepository, QueueUsage } from './imports.repository.js';
import { csvLine, ERROR_REPORT_HEADER } from './error-report.js';
import { SeenKeys } from './seen-keys.js';

/** The largest import body: 100 MiB. */
export const MAX_IMPORT_BYTES = 100 * 1024 * 1024;

/**
 * Per environment, at most this many imports may be queued or running (on every node together), holding at most
 * this many spooled bytes: beyond, a new import is 429 `rate_limited` with Retry-After, and nothing is spooled.
 */
const MAX_JOBS_PER_ENVIRONMENT = 3;
const MAX_SPOOL_BYTES_PER_ENVIRONMENT = 200 * 1024 * 1024;
/** Seconds a refused import is told to wait: about what a large import takes to drain one place. */
const RETRY_AFTER_S = 30;

/** The operation name idempotency records of imports are filed under. */
const IMPORT_OPERATION = 'POST /v1/member-imports';

/** A job not touched for this long belongs to a process that died. */
const STALE_MS = 2 * 60 * 1000;
const HEARTBEAT_MS = 30 * 1000;
/** How often every process looks for jobs abandoned by a process that did not come back. */
const SWEEP_MS = 30 * 1000;

/** The API view of a job. */
interface ImportJobView {
  id: string;
  status: ImportJob['status'];
  dryRun: boolean;
  format: ImportJob['format'];
  counts: ImportJob['counts'];
  committedThroughRow: number;
  failure: string | null;
  errorsUrl: string;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

/** State carried across the batches of one run. */
interface RunState {
  seen: SeenKeys;
  sites: Set<string>;
  today: string;
}

/** Thrown between batches when the process shuts down. */
class ShuttingDown extends Error {}

/** How far the JS heap may grow during an import before its garbage is collected (see boundHeap). */
const HEAP_HEADROOM = 48 * 1024 * 1024;

/**
 * An import allocates fast and keeps little: V8 lets the old generation grow to ~4× what is live (~150 MB in
 * a server) before collecting, which is most of an import's peak RSS. Between batches, once the heap has grown
 * `HEAP_HEADROOM` past where the job started, an eager memory measurement collects it (a ~10 ms full GC)
 * — bounding the import's garbage without changing V8's flags for the rest of the server.
 */
async function boundHeap(bound: number): Promise<number> {
  if (v8.getHeapStatistics().used_heap_size < bound) return bound;
  await vm.measureMemory({ execution: 'eager' }).catch(() => undefined);
  // If what is live has itself grown (other work of the server), move the bound up: never a GC per batch.
  return Math.max(bound, v8.getHeapStatistics().used_heap_size + HEAP_HEADROOM / 2);
}

/** Runners of the import services alive in this process (tests run several on one database). */
const LIVE_RUNNERS = new Set<string>();

/**
 * True when `holder` is known to be alive: another service of this process, or a process on this host that
 * still runs (a runner is `host|pid|random`). Unknown hosts count as gone: a restarted node resumes at once.
 */
function aliveElsewhere(holder: string | null, me: string): boolean {
  if (holder === null || holder === me) return false;
  if (LIVE_RUNNERS.has(holder)) return true;
  const [host, pidText] = holder.split('|');
  const pid = Number(pidText);
  if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Thrown (rolling the batch back) when another process has claimed the job: this one stops touching it. */
class LostClaim extends Error {}

/** Who an import's changes are audited as: the API key that started it, or the operator's CLI (the system). */
function importActor(job: ImportJob): Actor {
  return job.apiKeyId ? { type: 'api_key', id: job.apiKeyId, label: null, ip: null } : SYSTEM_ACTOR;
}

/**
 * Member imports as jobs: the body is streamed to a spool file (never held in memory), checked, and imported
 * in batches that each commit whole in one transaction together with the job's progress — so a job killed
 * mid-way has exactly `committedThroughRow` rows written and is resumed from there on the next start.
 */
export function createImportsService(deps: {
  repo: ImportsRepository;
  /** A batch commits whole: its members (through the members service), its row errors, the job's progress. */
  store: UnitOfWork<{ imports: ImportsRepository; members: MembersRepository; audit: AuditRepository }>;
  members: Pick<MembersService, 'applyBatch'>;
  siteIds: (environmentId: string) => Promise<Set<string>>;
  clock: Clock;
  logger: Logger;
  spoolDir: string;
  publicUrl?: string;
  /** Counts committed rows by outcome (`flow_import_rows_total`); dry runs are not counted. */
  metrics?: Pick<Metrics, 'importRows'>;
  /** Honours `Idempotency-Key` on imports (absent: keys are ignored, as for the CLI's in-process use). */
  idempotency?: Pick<IdempotencyService, 'runHashed' | 'recorded'>;
}) {
  const { repo, store, members, clock, logger } = deps;
  const options = { batchSize: 1000, maxJobsPerEnvironment: MAX_JOBS_PER_ENVIRONMENT, maxSpoolBytesPerEnvironment: MAX_SPOOL_BYTES_PER_ENVIRONMENT };
  /** Jobs of this process waiting to run, per environment, in arrival order. */
  const waiting = new Map<string, ImportJob[]>();
  /** When each environment last had a job started here (a counter): the least recently served goes next. */
  const lastServed = new Map<string, number>();
  let served = 0;
  /** The job running now (one at a time per process). */
  let current: Promise<void> | undefined;
  /** Bytes being spooled right now per environment (uploads not yet jobs), counted against the spool cap. */
  const uploading = new Map<string, { jobs: number; bytes: number }>();
  const active = new Set<string>();
  let heartbeat: NodeJS.Timeout | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  let stopping = false;
  /** This process's claim on the jobs it runs (random per service instance, so a restart is a new runner). */
  const runner = `${os.hostname()}|${process.pid}|${randomBytes(6).toString('hex')}`;
  LIVE_RUNNERS.add(runner);

  function view(j: ImportJob): ImportJobView {
    const errorsPath = `/v1/member-imports/${j.id}/errors`;
    return {
      id: j.id,
      status: j.status,
      dryRun: j.dryRun,
      format: j.format,
      counts: { ...j.counts },
      committedThroughRow: j.committedThroughRow,
      failure: j.failure,
      errorsUrl: deps.publicUrl ? new URL(errorsPath, deps.publicUrl).toString() : errorsPath,
      createdAt: j.createdAt,
      updatedAt: j.updatedAt,
      finishedAt: j.finishedAt,
    };
  }

  function spoolFile(job: Pick<ImportJob, 'id' | 'format'>): string {
    return path.join(deps.spoolDir, `${job.id}.${job.format}`);
  }

  function startHeartbeat(): void {
    if (heartbeat) return;
    heartbeat = setInterval(() => {
      repo.touch([...active], runner, clock.now().toISOString()).catch((err: unknown) => logger.warn({ err }, 'import heartbeat failed'));
    }, HEARTBEAT_MS);
    heartbeat.unref();
  }

  function enqueue(job: ImportJob): void {
    active.add(job.id);
    startHeartbeat();
    const list = waiting.get(job.environmentId);
    if (list) list.push(job);
    else waiting.set(job.environmentId, [job]);
    pump();
  }

  /**
   * Fair between environments: the next job is the oldest of the environment with waiting work that was least
   * recently served here, so one environment's backlog delays another's import by at most the job running now.
   */
  function next(): ImportJob | undefined {
    let pick: string | undefined;
    for (const env of waiting.keys()) if (pick === undefined || (lastServed.get(env) ?? -1) < (lastServed.get(pick) ?? -1)) pick = env;
    if (pick === undefined) return undefined;
    const list = waiting.get(pick)!;
    const job = list.shift()!;
    if (list.length === 0) waiting.delete(pick);
    lastServed.set(pick, served++);
    return job;
  }

  function pump(): void {
    if (current || stopping) return;
    const job = next();
    if (!job) return;
    current = run(job)
      .catch((err: unknown) => logger.error({ err, jobId: job.id }, 'member import crashed'))
      .finally(() => {
        active.delete(job.id);
        current = undefined;
        pump();
      });
  }

  function rateLimited(message: string): AppError {
    return new AppError('rate_limited', message, undefined, { 'Retry-After': String(RETRY_AFTER_S) });
  }

  /** 429 when the environment has no place left for another import of `bytes` (0 when not yet known). */
  function checkCaps(used: QueueUsage, bytes: number): void {
    if (used.jobs >= options.maxJobsPerEnvironment) {
      throw rateLimited(`At most ${options.maxJobsPerEnvironment} member imports may be queued or running per environment; retry when one has finished.`);
    }
    if (used.bytes + bytes > options.maxSpoolBytesPerEnvironment) throw spoolCapError();
  }

  function spoolCapError(): AppError {
    return rateLimited(`The member imports queued for this environment may hold at most ${options.maxSpoolBytesPerEnvironment / 1024 / 1024} MiB together; retry when one has finished.`);
  }

  /** Checks one batch and writes it (unless a dry run) in one transaction with the job's progress. */
  async function commitBatch(job: ImportJob, items: ParsedItem[], state: RunState): Promise<void> {
    const errors: RowError[] = [];
    const valid: ValidRow[] = [];
    for (const item of items) {
      if ('error' in item) {
        errors.push(item.error);
        continue;
      }
      const v = validateRow(item.row, item.raw, state.today);
      if (!v.ok) {
        const [first, ...more] = v.errors;
        errors.push(more.length ? { ...first, reason: `${first.reason} (and ${more.length} more: ${more.map((e) => e.field).join(', ')})` } : first);
        continue;
      }
      const r = v.value;
      // In-file duplicates: the first row with a reference, member number, or (for rows known only by email) email wins.
      let dup: RowError | undefined;
      for (const ref of r.refs) {
        if (state.seen.has(`r\u0000${refKey(ref)}`) && !dup) dup = { row: r.row, field: 'external_id', reason: 'duplicates an earlier row of this file (same external reference)', value: ref.id };
      }
      if (r.memberNumber !== undefined && state.seen.has(`n\u0000${r.memberNumber}`) && !dup) {
        dup = { row: r.row, field: 'member_number', reason: 'duplicates an earlier row of this file (same member number)', value: r.memberNumber };
      }
      // Only rows known by email alone are matched by email, so only they can duplicate each other by email
      // (this also keeps the key set — and memory — smaller for files with references or numbers).
      const emailSeen = r.refs.length === 0 && r.memberNumber === undefined && state.seen.has(`e\u0000${r.emailLower}`);
      if (emailSeen && !dup) {
        dup = { row: r.row, field: 'email', reason: 'duplicates an earlier row of this file (same email; give member_number or external_id to import members who share an email)', value: r.email };
      }
      if (dup) errors.push(dup);
      else if (r.homeSiteId !== undefined && !state.sites.has(r.homeSiteId)) errors.push({ row: r.row, field: 'home_site_id', reason: 'is not a site of this environment', value: r.homeSiteId });
      else valid.push(r);
    }
    const lastRow = items[items.length - 1].row;

    const counted = await store.transaction(async (tx) => {
      // Matching, merging, numbering and auditing are the members service's, a whole batch at a time.
      const applied = await members.applyBatch(tx, job.environmentId, valid, { dryRun: job.dryRun, actor: importActor(job), changes: { importId: job.id } });
      errors.push(...applied.errors);
      errors.sort((a, b) => a.row - b.row);
      await tx.imports.insertErrors(job.id, job.counts.rejected + 1, errors);
      job.counts.read += items.length;
      job.counts.created += applied.created;
      job.counts.updated += applied.updated;
      job.counts.unchanged += applied.unchanged;
      job.counts.rejected += errors.length;
      job.committedThroughRow = lastRow;
      job.updatedAt = clock.now().toISOString();
      // Conditional on still holding the job: if another process claimed it, the whole batch rolls back.
      if (!(await tx.imports.save(job))) throw new LostClaim();
      return { read: items.length, created: applied.created, updated: applied.updated, unchanged: applied.unchanged, rejected: errors.length };
    });
    // Counted once the batch is committed (a rolled-back batch counts nothing). Dry runs write nothing, so
    // they are not counted: the metric says what imports did to the member data.
    if (!job.dryRun && deps.metrics) for (const [outcome, n] of Object.entries(counted) as Array<[keyof typeof counted, number]>) if (n > 0) deps.metrics.importRows(outcome, n);
  }

  async function run(job: ImportJob): Promise<void> {
    const file = spoolFile(job);
    const resumeAfter = job.committedThroughRow;
    try {
      job.status = 'running';
      job.updatedAt = clock.now().toISOString();
      if (!(await repo.save(job))) throw new LostClaim();
      // About two keys a row, at ~50 bytes a row: sized once, so the set does not reallocate while it fills.
      const bytes = (await fs.promises.stat(file)).size;
      const state: RunState = { seen: new SeenKeys(Math.ceil(bytes / 25)), sites: await deps.siteIds(job.environmentId), today: dateIn(clock.now(), 'UTC') };
      let batch: ParsedItem[] = [];
      let heapBound = v8.getHeapStatistics().used_heap_size + HEAP_HEADROOM;
      for await (const items of parseFile(file, job.format)) {
        for (const item of items) {
          if (item.row <= resumeAfter) {
            // Already committed before a restart: only remember its keys for the duplicate check.
            if ('raw' in item) {
              const v = validateRow(item.row, item.raw, state.today);
              if (v.ok) {
                for (const ref of v.value.refs) state.seen.has(`r\u0000${refKey(ref)}`);
                if (v.value.memberNumber !== undefined) state.seen.has(`n\u0000${v.value.memberNumber}`);
                else if (v.value.refs.length === 0) state.seen.has(`e\u0000${v.value.emailLower}`);
              }
            }
            continue;
          }
          batch.push(item);
          if (batch.length >= options.batchSize) {
            if (stopping) throw new ShuttingDown();
            await commitBatch(job, batch, state);
            batch = [];
            heapBound = await boundHeap(heapBound);
          }
        }
      }
      if (batch.length > 0) await commitBatch(job, batch, state);
      job.status = 'succeeded';
      logger.info({ jobId: job.id, environmentId: job.environmentId, counts: job.counts }, 'member import finished');
    } catch (err) {
      if (err instanceof ShuttingDown) {
        // Left running with its spool file: the next start resumes after the last committed batch.
        logger.info({ jobId: job.id, after: job.committedThroughRow }, 'member import paused for shutdown');
        return;
      }
      if (err instanceof LostClaim) {
        // Another process holds the job now and carries on from the last committed batch; its spool file stays.
        logger.warn({ jobId: job.id }, 'member import taken over by another process; stopped here');
        return;
      }
      logger.error({ err, jobId: job.id }, 'member import failed');
      // Reload: the in-memory counts may include a batch that rolled back.
      const saved = await repo.find(job.id, job.environmentId);
      if (saved) Object.assign(job, { counts: saved.counts, committedThroughRow: saved.committedThroughRow });
      job.status = 'failed';
      job.failure =
        job.committedThroughRow > 0
          ? `The import stopped after row ${job.committedThroughRow}: rows up to it are committed (${job.counts.created} created, ${job.counts.updated} updated); later rows were not written.`
          : 'The import stopped before any row was committed; nothing was written.';
    }
    const now = clock.now().toISOString();
    job.updatedAt = now;
    job.finishedAt = now;
    const saved = await repo.save(job).catch((err: unknown) => {
      logger.error({ err, jobId: job.id }, 'could not save import job');
      return undefined;
    });
    // The spool file goes with the finished job; a job claimed meanwhile by another process keeps it.
    if (saved !== false) await fs.promises.rm(file, { force: true });
  }

  /**
   * Streams the request body to `file` (or, without a file, only through `hash`), stopping at MAX_IMPORT_BYTES
   * or at the first error `onChunk` returns (the environment's spool cap). A partial file is removed.
   */
  async function spool(body: Readable, file: string | undefined, hash: Hash, onChunk?: (n: number) => AppError | undefined): Promise<number> {
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        if (bytes > MAX_IMPORT_BYTES) return cb(new AppError('payload_too_large', `An import may be at most ${MAX_IMPORT_BYTES / 1024 / 1024} MiB.`, [{ path: 'body', message: 'is too large' }]));
        const refused = onChunk?.(chunk.length);
        if (refused) return cb(refused);
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    if (file) await fs.promises.mkdir(deps.spoolDir, { recursive: true });
    const sink = file ? fs.createWriteStream(file, { mode: 0o600 }) : new Writable({ write: (_chunk, _enc, cb) => cb() });
    try {
      await pipeline(body, counter, sink);
    } catch (err) {
      if (file) await fs.promises.rm(file, { force: true });
      if (err instanceof AppError) throw err;
      throw new AppError('validation_failed', 'The request body could not be read completely.', [{ path: 'body', message: 'was cut short' }]);
    }
    return bytes;
  }

  /** The hash an idempotency record of an import compares: the operation, its parameters and every body byte. */
  function requestHash(format: ImportFormat, dryRun: boolean): Hash {
    return createHash('sha256').update(`${IMPORT_OPERATION}\n${format}\n${dryRun}\n`);
  }

  /** Checks a spooled file's format: a 400 naming what is wrong. */
  async function checkFormat(file: string, format: ImportFormat, bytes: number): Promise<void> {
    if (bytes === 0) throw invalid([{ path: 'body', message: 'is empty' }]);
    if (format === 'csv') {
      const header = await readCsvHeader(file);
      if (!header) throw invalid([{ path: 'body', message: 'has no header line' }]);
      if ('error' in header) throw invalid([{ path: 'body', message: 'has an unreadable header line' }], header.error);
      if (header.missing.length > 0) {
        throw invalid(
          header.missing.map((h) => ({ path: h, message: 'required column is missing from the CSV header' })),
          `The CSV header lacks required column(s): ${header.missing.join(', ')}.`,
        );
      }
    } else if (format === 'json' && (await firstCharacter(file)) !== '[') {
      throw invalid([{ path: 'body', message: 'must be a JSON array of members' }]);
    }
  }

  /**
   * Spools and checks a body as a new job of the environment, within its caps (checked before anything is
   * spooled, while spooling, and again when the job is inserted). Returns the job (not yet inserted) and its hash.
   */
  async function prepare(environmentId: string, apiKeyId: string | null, format: ImportFormat, body: Readable, dryRun: boolean, declaredBytes: number): Promise<{ job: ImportJob; hash: string }> {
    const up = uploading.get(environmentId) ?? { jobs: 0, bytes: 0 };
    const stored = await repo.usage(environmentId);
    checkCaps({ jobs: stored.jobs + up.jobs, bytes: stored.bytes + up.bytes }, declaredBytes);
    const now = clock.now().toISOString();
    const job: ImportJob = {
      id: newId('imp'),
      environmentId,
      apiKeyId,
      status: 'queued',
      dryRun,
      format,
      counts: { read: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 },
      committedThroughRow: 0,
      failure: null,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
      runner,
      spoolBytes: 0,
    };
    const file = spoolFile(job);
    const hash = requestHash(format, dryRun);
    up.jobs++;
    uploading.set(environmentId, up);
    let mine = 0;
    try {
      // Room left: the cap less what is stored and what other uploads of this environment have spooled so far.
      job.spoolBytes = await spool(body, file, hash, (n) => {
        mine += n;
        up.bytes += n;
        return stored.bytes + up.bytes > options.maxSpoolBytesPerEnvironment ? spoolCapError() : undefined;
      });
    } finally {
      up.jobs--;
      up.bytes -= mine;
      if (up.jobs === 0) uploading.delete(environmentId);
    }
    try {
      await checkFormat(file, format, job.spoolBytes);
    } catch (err) {
      await fs.promises.rm(file, { force: true });
      throw err;
    }
    return { job, hash: hash.digest('hex') };
  }

  /** Inserts a prepared job within the environment's caps and queues it; its spool file goes on refusal. */
  async function commit(job: ImportJob): Promise<ImportJobView> {
    try {
      const refused = await repo.insertWithinCaps(job, { jobs: options.maxJobsPerEnvironment, bytes: options.maxSpoolBytesPerEnvironment });
      if (refused) checkCaps(refused, job.spoolBytes);
    } catch (err) {
      await fs.promises.rm(spoolFile(job), { force: true });
      throw err;
    }
    // The answer is the job as queued: enqueue may start it at once (and mutate it).
    const answer = view(job);
    enqueue(job);
    return answer;
  }

  /**
   * Claims each job not running here (conditional on nobody having touched it since it was read): resumes it
   * when its spool file is here; with `failElsewhere`, marks it failed (saying what was committed) otherwise.
   */
  async function recoverJobs(jobs: ImportJob[], opts: { failElsewhere?: boolean; skipLive?: boolean } = {}): Promise<{ resumed: string[]; failed: string[] }> {
    const resumed: string[] = [];
    const failed: string[] = [];
    for (const job of jobs) {
      if (active.has(job.id) || stopping) continue;
      const local = fs.existsSync(spoolFile(job));
      if (!local && !opts.failElsewhere) continue;
      // At start, a job with a recent heartbeat is taken unless its holder is known to be alive (a sibling
      // process on this data directory); the sweep takes it if that holder stops without finishing it.
      if (opts.skipLive && aliveElsewhere(job.runner, runner)) continue;
      const now = clock.now().toISOString();
      if (!(await repo.claim(job, runner, now))) continue; // another process took it (or it is alive)
      job.runner = runner;
      job.updatedAt = now;
      if (local) {
        logger.info({ jobId: job.id, after: job.committedThroughRow }, 'resuming member import');
        enqueue(job);
        resumed.push(job.id);
        continue;
      }
      job.status = 'failed';
      job.failure = `The server stopped during the import. Rows up to ${job.committedThroughRow} are committed (${job.counts.created} created, ${job.counts.updated} updated, ${job.counts.unchanged} unchanged, ${job.counts.rejected} rejected); later rows were not written.`;
      job.finishedAt = now;
      if (await repo.save(job)) {
        logger.warn({ jobId: job.id, after: job.committedThroughRow }, 'member import abandoned by a stopped process marked failed');
        failed.push(job.id);
      }
    }
    return { resumed, failed };
  }

  const service = {
    options,

    /** Accepts an import: spools the body, checks the format (CSV headers: 400 naming a missing one), queues the job. */
    async accept(environmentId: string, apiKeyId: string | null, format: ImportFormat, body: Readable, dryRun: boolean, declaredBytes = 0): Promise<ImportJobView> {
      const { job } = await prepare(environmentId, apiKeyId, format, body, dryRun, declaredBytes);
      return commit(job);
    },

    /**
     * `accept` with `Idempotency-Key`: the same key and body (and format and dryRun) within 24 h answer the first
     * job again and queue nothing; the same key with anything else is 409. The body is hashed while it is
     * spooled; when the key is already recorded it is only hashed, never stored, and the caps do not apply.
     */
    async start(
      scope: { environmentId: string; apiKeyId: string },
      idempotencyKey: string | undefined,
      request: { format: ImportFormat; body: Readable; dryRun: boolean; declaredBytes: number },
    ): Promise<StoredAnswer<ImportJobView>> {
      const { format, body, dryRun, declaredBytes } = request;
      const idem = deps.idempotency;
      if (idempotencyKey === undefined || !idem) return { status: 202, body: await service.accept(scope.environmentId, scope.apiKeyId, format, body, dryRun, declaredBytes), replayed: false };
      if (await idem.recorded(scope, idempotencyKey)) {
        const hash = requestHash(format, dryRun);
        await spool(body, undefined, hash);
        return idem.runHashed(scope, idempotencyKey, IMPORT_OPERATION, hash.digest('hex'), () => {
          // The record expired or was released between the two reads; the body is gone, so the client retries.
          throw new AppError('conflict', 'A request with this Idempotency-Key changed state meanwhile; retry.', [{ path: 'Idempotency-Key', message: 'retry' }]);
        });
      }
      const { job, hash } = await prepare(scope.environmentId, scope.apiKeyId, format, body, dryRun, declaredBytes);
      let committed = false;
      try {
        return await idem.runHashed(scope, idempotencyKey, IMPORT_OPERATION, hash, async () => {
          committed = true;
          return { status: 202, body: await commit(job) };
        });
      } finally {
        // Another request with this key got there first (replayed or 409): this upload is not a job.
        if (!committed) await fs.promises.rm(spoolFile(job), { force: true });
      }
    },

    /** A job of the environment; 404 otherwise. */
    async get(environmentId: string, id: string): Promise<ImportJobView> {
      const job = await repo.find(id, environmentId);
      if (!job) throw new AppError('not_found', `No member import ${id}.`);
      return view(job);
    },

    /** The error report as CSV lines (header first), read from the store page by page. */
    async errorReport(environmentId: string, id: string): Promise<AsyncGenerator<string>> {
      const job = await repo.find(id, environmentId);
      if (!job) throw new AppError('not_found', `No member import ${id}.`);
      return (async function* () {
        yield ERROR_REPORT_HEADER;
        let after = 0;
        for (;;) {
          const page = await repo.errorsPage(id, after, 2000);
          if (page.length === 0) return;
          yield page.map((e) => csvLine([e.row, e.field, e.reason, e.value ?? ''])).join('');
          after = page[page.length - 1].ord;
        }
      })();
    },

    /**
     * At start: every queued or running job whose spool file is here resumes after its last committed batch,
     * however recent its heartbeat (a process killed and restarted at once left it); each is claimed with a
     * conditional update, so of two processes sharing the data directory only one takes it (and a job whose
     * holder is known alive, e.g. a sibling process on this host, is left to it). Jobs elsewhere are
     * failed when stale, else left to the periodic sweep, which starts here (every 30 s; stopped by close()).
     * Returns the ids resumed and failed by this call.
     */
    async recover(): Promise<{ resumed: string[]; failed: string[] }> {
      const here = await recoverJobs(await repo.unfinished(), { skipLive: true });
      const swept = await service.sweep();
      if (!sweeper && !stopping) {
        sweeper = setInterval(() => {
          service.sweep().catch((err: unknown) => logger.warn({ err }, 'import sweep failed; will retry'));
        }, SWEEP_MS);
        sweeper.unref();
      }
      return { resumed: [...here.resumed, ...swept.resumed], failed: swept.failed };
    },

    /**
     * Jobs whose heartbeat is older than 2 minutes belong to a process that is gone: resumed here when their
     * spool file is here, else marked failed listing what was committed. Runs every 30 s on every process.
     */
    async sweep(): Promise<{ resumed: string[]; failed: string[] }> {
      if (stopping) return { resumed: [], failed: [] };
      return recoverJobs(await repo.stale(new Date(clock.now().getTime() - STALE_MS).toISOString()), { failElsewhere: true });
    },

    /** Resolves when every queued job has finished (tests, shutdown). */
    async whenIdle(): Promise<void> {
      while (current) await current;
    },

    /** Pauses the running job after its current batch (resumed on the next start); stops the heartbeat and sweep. */
    async close(): Promise<void> {
      stopping = true;
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = undefined;
      if (sweeper) clearInterval(sweeper);
      sweeper = undefined;
      LIVE_RUNNERS.delete(runner);
      while (current) await current;
    },
  };
  return service;
}
export type ImportsService = ReturnType<typeof createImportsService>;
