import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { createRequire } from 'node:module';
import type pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** The store: a typed Kysely client over the embedded SQLite file or PostgreSQL. */
export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Where the SQLite file lives (undefined on PostgreSQL). */
  file: string | undefined;
  /** True when the store answers a trivial query. */
  ping(): Promise<boolean>;
  /**
   * PostgreSQL only: LISTEN on `channel` over a dedicated connection, calling `onNotify` for each
   * notification and once after every (re)connection (notifications may have been missed meanwhile).
   * Reconnects by itself; the returned function stops listening.
   */
  listen?(channel: string, onNotify: () => void): () => Promise<void>;
  close(): Promise<void>;
}

/** Opens the store: PostgreSQL when a URL is given, else `<dataDir>/flow.sqlite` in WAL mode. */
export function openStore(opts: { databaseUrl?: string; dataDir: string; poolSize?: number }): Store {
  if (opts.databaseUrl) {
    // pg is loaded only for PostgreSQL (~15 MB RSS an SQLite process does not need); synchronously, as
    // opening the store is synchronous.
    const { Pool, Client } = createRequire(import.meta.url)('pg') as typeof pg;
    const pool = new Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30_000,
    });
    // A lost connection must not crash the process; queries fail and /ready reports it. The pool only
    // listens on idle clients: a client reset while checked out emits 'error' besides failing its query.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      dialect: 'postgres',
      file: undefined,
      ping: () => ping(db),
      listen: (channel, onNotify) => listenForever(() => new Client({ connectionString: opts.databaseUrl, connectionTimeoutMillis: 3000 }), channel, onNotify),
      close: () => db.destroy(),
    };
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const file = path.join(opts.dataDir, 'flow.sqlite');
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, dialect: 'sqlite', file, ping: () => ping(db), close: () => db.destroy() };
}

const RELISTEN_MS = 1000;

/** Keeps one LISTEN connection open, reconnecting at most every second while PostgreSQL is away. */
function listenForever(connect: () => pg.Client, channel: string, onNotify: () => void): () => Promise<void> {
  let client: pg.Client | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const again = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void open();
    }, RELISTEN_MS);
    timer.unref();
  };
  async function open(): Promise<void> {
    const c = connect();
    client = c;
    c.on('notification', () => onNotify());
    c.on('error', () => {
      void c.end().catch(() => undefined);
      again();
    });
    c.on('end', again);
    try {
      await c.connect();
      await c.query(`LISTEN ${c.escapeIdentifier(channel)}`);
      if (stopped) await c.end();
      else onNotify();
    } catch {
      void c.end().catch(() => undefined);
      again();
    }
  }
  void open();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await client?.end().catch(() => undefined);
  };
}

async function ping(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

const STATEMENT_CACHE_SIZE = 200;
const MAX_CACHED_SQL_LENGTH = 2000;

/**
 * Kysely prepares every query afresh, and compiling SQL was a sixth of the CPU on hot read paths.
 * Statements are cached by their SQL text (Kysely's queries are parameterised, so the set is small);
 * a statement still being iterated (a streamed query) is never handed out twice.
 */
function withStatementCache(sqlite: SQLite.Database) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(source: string): SQLite.Statement {
      const cached = cache.get(source);
      if (cached && !cached.busy) return cached;
      const stmt = sqlite.prepare(source);
      // Long statements are one-offs (bulk inserts, IN lists of varying length): not worth keeping.
      if (!cached && source.length <= MAX_CACHED_SQL_LENGTH) {
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
        cache.set(source, stmt);
      }
      return stmt;
    },
    close(): void {
      cache.clear();
      sqlite.close();
    },
  };
}
