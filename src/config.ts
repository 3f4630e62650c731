import path from 'node:path';
import { normaliseCidr } from './kernel/rules/cidr.js';
import { isEmail } from './kernel/rules/email.js';
import { passwordShapeProblem } from './staff/password-policy.js';

/** Validated process configuration; `loadConfig` is the only reader of process.env. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How long a verified (or unknown) key stays in the in-memory cache. */
  keyCacheTtlMs: number;
  /** Requests per minute per key, by purpose, unless a key sets its own. */
  rateLimitPerMinute: Record<string, number>;
  /**
   * Which X-Forwarded-For hops to trust: false (none), a hop count (`true` = 1: the load balancer in front;
   * given to Fastify as a function of the hop index), or a list of proxy addresses/CIDRs. Never "trust
   * every hop": a client could then forge its address past an IP allowlist or a rate limit.
   */
  trustProxy: false | string[] | ((address: string, hop: number) => boolean);
  /** Secure cookies (set behind HTTPS). */
  secureCookies: boolean;
  /** Public base URL used in links (checkout, logos, errors report). */
  publicUrl: string | undefined;
  /** Prefix of every Redis key and channel, so several deployments (or test runs) can share one Redis. */
  redisPrefix: string;
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** How often the expiry-warning check runs (ms); 0 turns the schedule off. */
  expiryCheckMs: number;
  /** Leaked-key reports allowed per client address per minute. */
  leakedReportsPerMinute: number;
  /**
   * HTTP timeouts (ms): the whole request (headers and body) must arrive within `requestTimeoutMs`, its
   * headers within `headersTimeoutMs`; an idle keep-alive connection closes after `keepAliveTimeoutMs`.
   */
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** The API key `flow members import` sends when --key is absent (a key on a command line shows in ps and shell history). */
  apiKey: string | undefined;
  /** FLOW_WEBHOOK_ALLOW_PRIVATE: webhook URLs may be http:// and resolve to private addresses (development and tests only). */
  webhookAllowPrivate: boolean;
  /**
   * FLOW_WEBHOOK_SECRET_KEY: the 32-byte AES-256-GCM key (base64) that encrypts webhook signing secrets at rest.
   * Unset: a key generated once and kept in `<dataDir>/webhook-secret.key` (0600). Several nodes must share one.
   */
  webhookSecretKey: Buffer | undefined;
}

/** A configuration value that stops the process at start. */
export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function int(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function url(env: NodeJS.ProcessEnv, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => p + '//').join(' or ')}`);
  }
  return raw;
}

function redisPrefix(env: NodeJS.ProcessEnv): string {
  const raw = env.FLOW_REDIS_PREFIX ?? 'flow:';
  if (!/^[A-Za-z0-9:_.-]{0,64}$/.test(raw)) throw new ConfigError('FLOW_REDIS_PREFIX may hold only letters, digits and : _ . - (at most 64)');
  return raw;
}

function metricsToken(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.FLOW_METRICS_TOKEN || undefined;
  if (raw !== undefined && raw.length < 16) throw new ConfigError('FLOW_METRICS_TOKEN must be at least 16 characters');
  return raw;
}

function webhookSecretKey(env: NodeJS.ProcessEnv): Buffer | undefined {
  const raw = env.FLOW_WEBHOOK_SECRET_KEY || undefined;
  if (raw === undefined) return undefined;
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(raw) ? Buffer.from(raw, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) throw new ConfigError('FLOW_WEBHOOK_SECRET_KEY must be 32 random bytes in base64 (e.g. openssl rand -base64 32)');
  return key;
}

function hops(n: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < n;
}

function trustProxy(env: NodeJS.ProcessEnv): Config['trustProxy'] {
  const raw = (env.FLOW_TRUST_PROXY ?? '').trim();
  if (raw === '' || ['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  if (['true', 'yes'].includes(raw.toLowerCase())) return hops(1);
  if (/^\d{1,2}$/.test(raw)) return hops(Number(raw));
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of list) {
    if (normaliseCidr(item) === undefined) {
      throw new ConfigError(`FLOW_TRUST_PROXY must be true, false, a hop count or a comma-separated list of proxy addresses/CIDRs, got "${raw}"`);
    }
  }
  return list;
}

function httpTimeouts(env: NodeJS.ProcessEnv): Pick<Config, 'requestTimeoutMs' | 'headersTimeoutMs' | 'keepAliveTimeoutMs'> {
  const requestTimeoutMs = int(env, 'FLOW_REQUEST_TIMEOUT_MS', 60_000, 1_000, 3_600_000);
  // Node requires the headers' deadline to fall within the request's.
  const headersTimeoutMs = Math.min(15_000, requestTimeoutMs);
  return { requestTimeoutMs, headersTimeoutMs, keepAliveTimeoutMs: int(env, 'FLOW_KEEP_ALIVE_TIMEOUT_MS', 5_000, 1_000, 600_000) };
}

/** Parses and validates the configuration once; throws ConfigError with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const logLevel = (env.LOG_LEVEL ?? 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const host = env.HOST || '127.0.0.1';
  const adminEmail = env.FLOW_ADMIN_EMAIL || undefined;
  if (adminEmail !== undefined && !isEmail(adminEmail)) {
    throw new ConfigError('FLOW_ADMIN_EMAIL is not an email address');
  }
  const adminPassword = env.FLOW_ADMIN_PASSWORD || undefined;
  // The common-password list is checked at start-up (server.ts): loading it here would slow every CLI command.
  const adminPasswordProblem = adminPassword === undefined ? undefined : passwordShapeProblem(adminPassword);
  if (adminPasswordProblem) throw new ConfigError(`FLOW_ADMIN_PASSWORD ${adminPasswordProblem}`);
  const perMinute = int(env, 'FLOW_RATE_LIMIT_PER_MINUTE', 0, 0, 1_000_000_000);
  const rateLimitPerMinute: Record<string, number> = {
    import_members: 600,
    innovatise_bridge: 1200,
    coursepro_integration: 1200,
    flow_api: 600,
  };
  if (perMinute > 0) for (const k of Object.keys(rateLimitPerMinute)) rateLimitPerMinute[k] = perMinute;
  return {
    port: int(env, 'PORT', 3000, 0, 65535),
    host,
    dataDir: path.resolve(env.FLOW_DATA_DIR || './data'),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    adminEmail,
    adminPassword,
    logLevel,
    keyCacheTtlMs: int(env, 'FLOW_KEY_CACHE_TTL_MS', 30_000, 0, 3_600_000),
    rateLimitPerMinute,
    trustProxy: trustProxy(env),
    secureCookies: bool(env, 'FLOW_SECURE_COOKIES', false),
    publicUrl: url(env, 'FLOW_PUBLIC_URL', ['http:', 'https:']),
    redisPrefix: redisPrefix(env),
    metricsToken: metricsToken(env),
    expiryCheckMs: int(env, 'FLOW_EXPIRY_CHECK_MS', 3_600_000, 0, 86_400_000),
    leakedReportsPerMinute: int(env, 'FLOW_LEAKED_REPORTS_PER_MINUTE', 10, 1, 100_000),
    ...httpTimeouts(env),
    apiKey: env.FLOW_API_KEY || undefined,
    webhookAllowPrivate: bool(env, 'FLOW_WEBHOOK_ALLOW_PRIVATE', false),
    webhookSecretKey: webhookSecretKey(env),
  };
}
