import path from 'node:path';

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
  /** Trust X-Forwarded-For from a load balancer. */
  trustProxy: boolean;
  /** Secure cookies (set behind HTTPS). */
  secureCookies: boolean;
  /** Public base URL used in links (checkout, logos, errors report). */
  publicUrl: string | undefined;
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

/** Parses and validates the configuration once; throws ConfigError with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const logLevel = (env.LOG_LEVEL ?? 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const host = env.HOST || '127.0.0.1';
  const adminEmail = env.FLOW_ADMIN_EMAIL || undefined;
  if (adminEmail !== undefined && !/^[^\s@]+@[^\s@]+$/.test(adminEmail)) {
    throw new ConfigError('FLOW_ADMIN_EMAIL is not an email address');
  }
  const adminPassword = env.FLOW_ADMIN_PASSWORD || undefined;
  if (adminPassword !== undefined && adminPassword.length < 12) {
    throw new ConfigError('FLOW_ADMIN_PASSWORD must be at least 12 characters');
  }
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
    trustProxy: bool(env, 'FLOW_TRUST_PROXY', false),
    secureCookies: bool(env, 'FLOW_SECURE_COOKIES', false),
    publicUrl: url(env, 'FLOW_PUBLIC_URL', ['http:', 'https:']),
  };
}
