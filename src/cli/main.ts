import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { Actor } from '../audit/audit.service.js';
import { loadConfig, type Config } from '../config.js';
import type { Deps } from '../deps.js';
import { AppError } from '../kernel/errors.js';
import type { KeyView } from '../keys/keys.schemas.js';
import { cliError, inCommandTerms, missing, UsageError } from './cli-error.js';
import { COMMANDS, commandHelp, findCommand, groupCommands, OPTIONS, overallHelp, type CommandSpec, type FlagName } from './commands.js';

export { cliError } from './cli-error.js';

/** Where a command writes; tests pass buffers. */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stdin: () => Promise<string>;
  env: NodeJS.ProcessEnv;
  /** True when stderr is a terminal: progress redraws one line; otherwise it prints plain lines. */
  stderrIsTTY?: boolean;
  /** The terminal's width now (process.stderr.columns). */
  stderrColumns?: () => number | undefined;
}

const CLI_ACTOR: Actor = { type: 'system', id: null, label: 'flow cli', ip: null };

/** The package's version, from the package.json next to src/ and dist/. */
export function version(): string {
  return (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** Parses `0`, `90`, `30s`, `1h`, `24h`, `7d` into seconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (!m) throw missing('--grace', COMMANDS.find((c) => c.name === 'keys roll'), `must be a duration such as 0, 1h, 24h or 7d, got "${value}"`);
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
}

function keyLine(k: KeyView): string {
  return [k.id, k.preview, k.status.padEnd(13), k.purpose.padEnd(21), `expires ${k.expiresOn}`, JSON.stringify(k.reference)].join('  ');
}

/** Where the store is, to name it: the SQLite file, or the PostgreSQL URL without its password. */
export function describeStore(config: Pick<Config, 'databaseUrl'>, file: string | undefined): string {
  if (!config.databaseUrl) return file ?? 'the SQLite store';
  try {
    const u = new URL(config.databaseUrl);
    u.password = '';
    return u.toString();
  } catch {
    return 'the PostgreSQL store';
  }
}

/** The base URL of the local server: the configured PORT on HOST (loopback when it listens on every address). */
function localServerUrl(config: Pick<Config, 'host' | 'port'>): string {
  const any = ['', '0.0.0.0', '::', '[::]'].includes(config.host);
  const host = any ? '127.0.0.1' : config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}`;
}

/**
 * Reads the command from argv: the command words, its positional arguments and only the flags it takes, so
 * an unknown or misplaced flag names itself and the command's usage.
 */
function parseCommand(argv: string[]) {
  // First pass: positionals only, to know which command's flags apply (flag values are consumed, not mistaken for words).
  const loose = parseArgs({ args: argv, options: OPTIONS, strict: false, allowPositionals: true });
  const found = findCommand(loose.positionals);
  if (!found) return { loose, found: undefined };
  const allowed: FlagName[] = ['json', 'help', ...found.spec.flags];
  const options = Object.fromEntries(allowed.map((f) => [f, OPTIONS[f]]));
  try {
    const strict = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    const args = strict.positionals.slice(found.words);
    if (args.length > found.spec.args && !strict.values.help) throw new UsageError(`unexpected argument "${args[found.spec.args]}" for ${found.spec.name}`, found.spec);
    return { loose, found, values: strict.values as Partial<Record<FlagName, string | boolean | string[]>>, args };
  } catch (err) {
    if (!(err instanceof TypeError) || !('code' in err)) throw err;
    const flag = /'(--?[^' ]+)/.exec(err.message)?.[1];
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown flag ${flag} for ${found.spec.name}`, found.spec, flag ? [{ flag, message: 'is not a flag of this command' }] : undefined);
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${flag} needs a value`, found.spec, flag ? [{ flag, message: 'needs a value' }] : undefined);
    throw new UsageError(err.message, found.spec);
  }
}

function unknownCommand(positionals: string[]): UsageError {
  const group = groupCommands(positionals[0]);
  const words = positionals.slice(0, group.length ? 2 : 1).join(' ');
  const list = group.map((c) => c.name).join(', ');
  if (group.length && positionals.length === 1) return new UsageError(`"${words}" needs a command: ${list}`);
  if (group.length) return new UsageError(`unknown command "${words}"; ${positionals[0]} commands: ${list}`);
  return new UsageError(`unknown command "${words}"`);
}

/** Runs one command; returns the exit code. */
export async function runCli(argv: string[], io: CliIo, makeDeps: () => Promise<Deps> = async () => (await import('../deps.js')).createDeps({ ...loadConfig(io.env), logLevel: 'error' }, { logStream: process.stderr })): Promise<number> {
  const parsed = parseCommand(argv);
  const { loose } = parsed;
  const json = loose.values.json === true;
  const out = (human: string, data: unknown) => io.stdout((json ? JSON.stringify(data) : human) + '\n');

  if (loose.values.version === true && loose.positionals.length === 0) {
    out(version(), { version: version() });
    return 0;
  }
  if (loose.positionals[0] === 'help') {
    const topic = loose.positionals.slice(1);
    if (!topic.length) io.stdout(overallHelp() + '\n');
    else {
      const found = findCommand(topic);
      const group = groupCommands(topic[0]);
      if (found) io.stdout(commandHelp(found.spec) + '\n');
      else if (group.length && topic.length === 1) io.stdout(group.map(commandHelp).join('\n\n') + '\n');
      else throw unknownCommand(topic);
    }
    return 0;
  }
  if (!loose.positionals.length) {
    io.stdout(overallHelp() + '\n');
    return loose.values.help ? 0 : 2;
  }
  if (!parsed.found) {
    const group = groupCommands(loose.positionals[0]);
    if (group.length && loose.positionals.length === 1 && loose.values.help) {
      io.stdout(group.map(commandHelp).join('\n\n') + '\n');
      return 0;
    }
    throw unknownCommand(loose.positionals);
  }
  const { spec } = parsed.found;
  const values = parsed.values ?? {};
  const args = parsed.args ?? [];
  if (values.help) {
    io.stdout(commandHelp(spec) + '\n');
    return 0;
  }
  const str = (flag: FlagName): string | undefined => values[flag] as string | undefined;
  const need = (flag: FlagName): string => {
    const v = str(flag);
    if (v === undefined) throw missing(`--${flag}`, spec);
    return v;
  };
  const arg = (name: string): string => {
    if (args[0] === undefined) throw missing(name, spec);
    return args[0];
  };

  try {
    return await runCommand(spec, { io, json, out, str, need, arg, values, makeDeps });
  } catch (err) {
    // Service errors name service fields (expiresOn); say them as the flags the user typed (--expires).
    if (err instanceof AppError) throw inCommandTerms(err, spec);
    throw err;
  }
}

interface CommandContext {
  io: CliIo;
  json: boolean;
  out: (human: string, data: unknown) => void;
  str: (flag: FlagName) => string | undefined;
  need: (flag: FlagName) => string;
  arg: (name: string) => string;
  values: Partial<Record<FlagName, string | boolean | string[]>>;
  makeDeps: () => Promise<Deps>;
}

async function runCommand(spec: CommandSpec, c: CommandContext): Promise<number> {
  const { io, json, out, str, arg, values } = c;
  // The server, the store and the services are loaded by the commands that use them: `flow --version`,
  // `flow help` and `flow members import` start without loading Fastify or a database driver.
  if (spec.name === 'serve') {
    const { serve } = await import('../server.js');
    await serve(loadConfig(io.env));
    return -1; // keeps running
  }
  if (spec.name === 'migrate') {
    const config = loadConfig(io.env);
    const [{ openStore }, { migrate }] = await Promise.all([import('../db/client.js'), import('../db/migrate.js')]);
    const store = openStore(config);
    try {
      const applied = await migrate(store);
      out(applied.length ? `applied: ${applied.join(', ')}` : 'up to date', { applied });
    } finally {
      await store.close();
    }
    return 0;
  }
  if (spec.name === 'members import') {
    // Goes through the public API like any integration, so it needs no database access.
    const config = loadConfig(io.env);
    const file = arg('<file>');
    const flagKey = str('key');
    if (flagKey !== undefined) {
      const warning = 'a key given with --key is visible to other users in ps and stays in shell history; set FLOW_API_KEY instead';
      io.stderr((json ? JSON.stringify({ warning }) : `warning: ${warning}`) + '\n');
    }
    const key = flagKey ?? config.apiKey;
    if (key === undefined) throw missing('--key', spec, 'is required: set FLOW_API_KEY (preferred) or pass --key');
    const { runMembersImport } = await import('./members-import.js');
    return runMembersImport({
      file,
      key,
      url: str('url') ?? localServerUrl(config),
      dryRun: values['dry-run'] === true,
      json,
      stdout: io.stdout,
      stderr: io.stderr,
      progress: json ? undefined : { write: io.stderr, tty: io.stderrIsTTY === true, columns: io.stderrColumns },
    });
  }

  const deps = await c.makeDeps();
  try {
    return await storeCommand(spec, deps, c);
  } catch (err) {
    // A not-found on a store with no environment at all usually means the wrong store was opened: name it.
    if (err instanceof AppError && err.code === 'not_found' && spec.name !== 'env create' && (await deps.environments.count()) === 0) {
      throw new AppError('not_found', `${err.detail} The store ${describeStore(deps.config, deps.store.file)} has no environments yet (create one with: flow env create).`);
    }
    throw err;
  } finally {
    await deps.close();
  }
}

async function storeCommand(spec: CommandSpec, deps: Deps, c: CommandContext): Promise<number> {
  const { io, out, str, need, arg, values } = c;
  switch (spec.name) {
    case 'env create': {
      const env = await deps.environments.create({ slug: arg('<slug>'), name: need('name'), timeZone: str('time-zone') });
      out(`created environment ${env.slug} (${env.id})`, env);
      return 0;
    }
    case 'env list': {
      const envs = await deps.environments.list();
      out(envs.map((e) => `${e.slug}  ${e.name}  ${e.timeZone}  ${e.id}`).join('\n') || `(no environments in ${describeStore(deps.config, deps.store.file)})`, envs);
      return 0;
    }
    case 'staff create': {
      if (!values['password-stdin']) throw missing('--password-stdin', spec, 'is required: the password is read from standard input');
      const env = await deps.environments.get(need('env'));
      const password = (await io.stdin()).replace(/\r?\n$/, '');
      const user = await deps.staff.create({ environmentId: env.id, email: need('email'), role: need('role'), name: str('name'), password });
      out(`created ${user.role} ${user.email} in ${env.slug}`, user);
      return 0;
    }
    case 'keys create': {
      const env = await deps.environments.get(need('env'));
      let logoId: string | undefined;
      const logo = str('logo');
      if (logo) {
        let bytes: Buffer;
        try {
          bytes = fs.readFileSync(logo);
        } catch {
          throw missing('--logo', spec, `cannot read the file ${logo}`);
        }
        logoId = (await deps.logos.upload(env.id, bytes)).id;
      }
      const primaryColour = str('primary');
      const secondaryColour = str('secondary');
      const theme = logoId || primaryColour || secondaryColour ? { logoId, primaryColour, secondaryColour } : undefined;
      const { key, view } = await deps.keys.create(
        env.id,
        {
          reference: need('reference'),
          purpose: need('purpose'),
          expiresOn: need('expires'),
          theme,
          allowedIps: values['allow-ip'] as string[] | undefined,
          allowedRedirectOrigins: values['redirect-origin'] as string[] | undefined,
        },
        CLI_ACTOR,
      );
      out(`${keyLine(view)}\n\nAPI key (shown once, store it now):\n${key}`, { ...view, key });
      return 0;
    }
    case 'keys list': {
      const env = await deps.environments.get(need('env'));
      const page = await deps.keys.list(env.id, { limit: 1000 });
      out(page.data.map(keyLine).join('\n') || '(no keys)', page.data);
      return 0;
    }
    case 'keys show': {
      const id = arg('<keyId>');
      const view = await deps.keys.get(await deps.keys.environmentOf(id), id);
      out(`${keyLine(view)}\npermissions: ${view.permissions.join(', ')}`, view);
      return 0;
    }
    case 'keys revoke': {
      const id = arg('<keyId>');
      const view = await deps.keys.revoke(await deps.keys.environmentOf(id), id, CLI_ACTOR);
      out(`revoked ${view.id}`, view);
      return 0;
    }
    case 'keys roll': {
      const id = arg('<keyId>');
      const grace = parseDuration(str('grace') ?? '0');
      const { key, view } = await deps.keys.roll(await deps.keys.environmentOf(id), id, grace, CLI_ACTOR);
      const until = view.previousSecretExpiresAt ? `the old secret works until ${view.previousSecretExpiresAt}` : 'the old secret stopped working now';
      out(`rolled ${view.id}; ${until}\n\nNew API key (shown once, store it now):\n${key}`, { ...view, key });
      return 0;
    }
    default:
      throw new Error(`no handler for ${spec.name}`);
  }
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
    stderrIsTTY: process.stderr.isTTY === true,
    stderrColumns: () => process.stderr.columns,
  };
  try {
    const code = await runCli(argv, io);
    if (code >= 0) process.exitCode = code;
  } catch (err) {
    // --json anywhere before a `--` asks for the error as one JSON line too.
    const end = argv.indexOf('--');
    const { line, code } = cliError(err, (end < 0 ? argv : argv.slice(0, end)).includes('--json'));
    io.stderr(line + '\n');
    process.exitCode = code;
  }
}
