import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { Actor } from '../audit/audit.service.js';
import { ConfigError, loadConfig } from '../config.js';
import { openStore } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { createDeps, type Deps } from '../deps.js';
import { AppError } from '../kernel/errors.js';
import type { KeyView } from '../keys/keys.service.js';
import { serve } from '../server.js';
import { runMembersImport } from '../imports/import-cli.js';

/** Where a command writes; tests pass buffers. */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stdin: () => Promise<string>;
  env: NodeJS.ProcessEnv;
  /** True when stderr is a terminal (progress bars). */
  stderrIsTTY?: boolean;
}

class UsageError extends Error {}

const CLI_ACTOR: Actor = { type: 'system', id: null, label: 'flow cli', ip: null };

const USAGE = `usage: flow <command> [options] [--json]
  serve                                   start the server
  migrate                                 bring the database schema up to date
  env create <slug> --name <name> [--time-zone <IANA zone>]
  env list
  staff create --env <slug> --email <email> --role <admin|staff> --password-stdin [--name <name>]
  keys create --env <slug> --reference <text> --purpose <purpose> --expires <YYYY-MM-DD>
              [--logo <file>] [--primary <#hex>] [--secondary <#hex>]
              [--allow-ip <cidr>]... [--redirect-origin <origin>]...
  keys list --env <slug>
  keys show <keyId>
  keys revoke <keyId>
  keys roll <keyId> [--grace <0 | 30s | 1h | 24h | 7d>]
  members import <file.csv|file.json|file.ndjson> --key <apiKey> [--url <base, default http://127.0.0.1:3000>] [--dry-run]`;

/** Parses `0`, `90`, `30s`, `1h`, `24h`, `7d` into seconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (!m) throw new UsageError(`--grace must be a duration such as 0, 1h, 24h or 7d, got "${value}"`);
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
}

function need(value: string | undefined, flag: string): string {
  if (value === undefined) throw new UsageError(`missing ${flag}`);
  return value;
}

function keyLine(k: KeyView): string {
  return [k.id, k.preview, k.status.padEnd(13), k.purpose.padEnd(21), `expires ${k.expiresOn}`, JSON.stringify(k.reference)].join('  ');
}

/** Runs one command; returns the exit code. */
export async function runCli(argv: string[], io: CliIo, makeDeps: () => Promise<Deps> = async () => createDeps({ ...loadConfig(io.env), logLevel: 'error' }, { logStream: process.stderr })): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean' },
      name: { type: 'string' },
      'time-zone': { type: 'string' },
      env: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      reference: { type: 'string' },
      purpose: { type: 'string' },
      expires: { type: 'string' },
      logo: { type: 'string' },
      primary: { type: 'string' },
      secondary: { type: 'string' },
      'allow-ip': { type: 'string', multiple: true },
      'redirect-origin': { type: 'string', multiple: true },
      grace: { type: 'string' },
      key: { type: 'string' },
      url: { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [group, action, arg] = positionals;
  const json = values.json === true;
  const out = (human: string, data: unknown) => io.stdout((json ? JSON.stringify(data) : human) + '\n');

  if (values.help || !group) {
    io.stdout(USAGE + '\n');
    return values.help ? 0 : 2;
  }
  if (group === 'serve') {
    await serve(loadConfig(io.env));
    return -1; // keeps running
  }
  if (group === 'migrate') {
    const config = loadConfig(io.env);
    const store = openStore(config);
    try {
      const applied = await migrate(store);
      out(applied.length ? `applied: ${applied.join(', ')}` : 'up to date', { applied });
    } finally {
      await store.close();
    }
    return 0;
  }

  if (group === 'members' && action === 'import') {
    // Goes through the public API like any integration, so it needs no database access.
    return runMembersImport({
      file: need(arg, '<file>'),
      key: need(values.key, '--key'),
      url: values.url ?? 'http://127.0.0.1:3000',
      dryRun: values['dry-run'] === true,
      json,
      stdout: io.stdout,
      stderr: io.stderr,
      progress: io.stderrIsTTY === true && !json,
    });
  }

  const deps = await makeDeps();
  try {
    const key = `${group} ${action ?? ''}`.trim();
    switch (key) {
      case 'env create': {
        const env = await deps.environments.create({ slug: need(arg, '<slug>'), name: need(values.name, '--name'), timeZone: values['time-zone'] });
        out(`created environment ${env.slug} (${env.id})`, env);
        return 0;
      }
      case 'env list': {
        const envs = await deps.environments.list();
        out(envs.map((e) => `${e.slug}  ${e.name}  ${e.timeZone}  ${e.id}`).join('\n') || '(no environments)', envs);
        return 0;
      }
      case 'staff create': {
        if (!values['password-stdin']) throw new UsageError('the password is read from standard input: pass --password-stdin');
        const env = await deps.environments.get(need(values.env, '--env'));
        const password = (await io.stdin()).replace(/\r?\n$/, '');
        const user = await deps.staff.create({ environmentId: env.id, email: need(values.email, '--email'), role: need(values.role, '--role'), name: values.name, password });
        out(`created ${user.role} ${user.email} in ${env.slug}`, user);
        return 0;
      }
      case 'keys create': {
        const env = await deps.environments.get(need(values.env, '--env'));
        let logoId: string | undefined;
        if (values.logo) {
          let bytes: Buffer;
          try {
            bytes = fs.readFileSync(values.logo);
          } catch {
            throw new UsageError(`cannot read --logo file ${values.logo}`);
          }
          logoId = (await deps.logos.upload(env.id, bytes)).id;
        }
        const theme = logoId || values.primary || values.secondary ? { logoId, primaryColour: values.primary, secondaryColour: values.secondary } : undefined;
        const { key, view } = await deps.keys.create(
          env.id,
          {
            reference: need(values.reference, '--reference'),
            purpose: need(values.purpose, '--purpose'),
            expiresOn: need(values.expires, '--expires'),
            theme,
            allowedIps: values['allow-ip'],
            allowedRedirectOrigins: values['redirect-origin'],
          },
          CLI_ACTOR,
        );
        out(`${keyLine(view)}\n\nAPI key (shown once, store it now):\n${key}`, { ...view, key });
        return 0;
      }
      case 'keys list': {
        const env = await deps.environments.get(need(values.env, '--env'));
        const page = await deps.keys.list(env.id, { limit: 1000 });
        out(page.data.map(keyLine).join('\n') || '(no keys)', page.data);
        return 0;
      }
      case 'keys show': {
        const id = need(arg, '<keyId>');
        const view = await deps.keys.get(await deps.keys.environmentOf(id), id);
        out(`${keyLine(view)}\npermissions: ${view.permissions.join(', ')}`, view);
        return 0;
      }
      case 'keys revoke': {
        const id = need(arg, '<keyId>');
        const view = await deps.keys.revoke(await deps.keys.environmentOf(id), id, CLI_ACTOR);
        out(`revoked ${view.id}`, view);
        return 0;
      }
      case 'keys roll': {
        const id = need(arg, '<keyId>');
        const grace = parseDuration(values.grace ?? '0');
        const { key, view } = await deps.keys.roll(await deps.keys.environmentOf(id), id, grace, CLI_ACTOR);
        const until = view.previousSecretExpiresAt ? `the old secret works until ${view.previousSecretExpiresAt}` : 'the old secret stopped working now';
        out(`rolled ${view.id}; ${until}\n\nNew API key (shown once, store it now):\n${key}`, { ...view, key });
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${key}"`);
    }
  } finally {
    await deps.close();
  }
}

/** Formats any failure as one line for stderr and picks the exit code. */
export function cliError(err: unknown): { line: string; code: number } {
  if (err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
    return { line: `error: ${err.message} (see flow --help)`, code: 2 };
  }
  if (err instanceof ConfigError) return { line: `configuration error: ${err.message}`, code: 2 };
  if (err instanceof AppError) {
    const fields = err.errors?.map((e) => `${e.path} ${e.message}`).join('; ');
    return { line: `error (${err.code}): ${fields ?? err.detail}`, code: 1 };
  }
  return { line: `error: ${err instanceof Error ? err.message : String(err)}`, code: 1 };
}

/** The `flow` executable's entry point. */
export async function main(argv = process.argv.slice(2)): Promise<void> {
  const io: CliIo = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    stdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    env: process.env,
    stderrIsTTY: process.stderr.isTTY,
  };
  try {
    const code = await runCli(argv, io);
    if (code >= 0) process.exitCode = code;
  } catch (err) {
    const { line, code } = cliError(err);
    io.stderr(line + '\n');
    process.exitCode = code;
  }
}
