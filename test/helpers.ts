import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { openStore } from '../src/db/client.js';
import { createDeps, type Deps } from '../src/deps.js';
import type { Clock } from '../src/kernel/time.js';

/** A clock tests move by hand. */
export interface FixedClock extends Clock {
  set(iso: string): void;
  advance(ms: number): void;
}

/** A clock fixed at `iso` until moved. */
export function fixedClock(iso = '2026-06-15T10:00:00.000Z'): FixedClock {
  let t = Date.parse(iso);
  return { now: () => new Date(t), set: (v) => void (t = Date.parse(v)), advance: (ms) => void (t += ms) };
}

/** Every log line written during the suite's apps, to check that no secret reaches a log. */
export const capturedLogs: string[] = [];

/** A fresh database: a temporary SQLite file, or a new PostgreSQL database when DATABASE_URL is set. */
export async function freshDatabase(): Promise<{ config: Partial<Config>; drop: () => Promise<void>; dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-test-'));
  const base = process.env.DATABASE_URL;
  if (!base) return { config: { dataDir, databaseUrl: undefined }, dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  const name = `flow_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    config: { dataDir, databaseUrl: url.toString() },
    dataDir,
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestApp {
  app: FastifyInstance;
  deps: Deps;
  clock: FixedClock;
  config: Config;
  /** Signs in and returns the cookie and CSRF header to send. */
  login(email: string, password: string): Promise<{ cookie: string; csrf: string }>;
  close(): Promise<void>;
}

export const ADMIN = { email: 'admin@test.flow', password: 'correct horse battery' };

/** A fresh app on a fresh database with a `demo` environment and an admin (see ADMIN). */
export async function buildTestApp(
  opts: {
    clock?: FixedClock;
    config?: Partial<Config>;
    seedAdmin?: boolean;
    /** Extra routes at the root. */
    routes?: (app: FastifyInstance) => void;
    /** Extra routes on the /v1 surface (paths relative to /v1, behind the API-key gate). */
    v1Routes?: (app: FastifyInstance) => void;
  } = {},
): Promise<TestApp> {
  const db = await freshDatabase();
  const clock = opts.clock ?? fixedClock();
  const config: Config = { ...loadConfig({}), ...db.config, logLevel: 'info', ...opts.config };
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      capturedLogs.push(String(chunk));
      cb();
    },
  });
  const store = openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const deps = await createDeps(config, { clock, logStream, store, usageFlushMs: 60_000 });
  const v1Routes = opts.v1Routes;
  const app = await buildApp(deps, { v1Routes: v1Routes ? [async (v1) => v1Routes(v1)] : [] });
  opts.routes?.(app);
  await app.ready();
  if (opts.seedAdmin !== false) {
    const env = await deps.environments.create({ slug: 'demo', name: 'Demo' });
    await deps.staff.create({ environmentId: env.id, email: ADMIN.email, role: 'admin', password: ADMIN.password });
  }
  return {
    app,
    deps,
    clock,
    config,
    async login(email, password) {
      const res = await app.inject({ method: 'POST', url: '/admin/v1/session', payload: { email, password } });
      if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
      const cookie = res.cookies.find((c) => c.name === 'flow_session');
      return { cookie: `flow_session=${cookie?.value}`, csrf: res.json().csrfToken as string };
    },
    async close() {
      await app.close();
      await deps.close();
      await db.drop();
    },
  };
}

/** Headers for an admin request with a session. */
export function as(s: { cookie: string; csrf: string }): Record<string, string> {
  return { cookie: s.cookie, 'x-csrf-token': s.csrf };
}

/** The id of the `demo` environment of a test app. */
export async function demoEnvId(t: TestApp): Promise<string> {
  return (await t.deps.environments.get('demo')).id;
}
