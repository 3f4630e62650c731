import type { ParseArgsConfig } from 'node:util';

/**
 * Every flag the CLI knows. Each command accepts only the flags its spec lists (plus --json and --help), so a
 * flag meant for another command is reported as unknown for this one instead of being ignored.
 */
export const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
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
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export type FlagName = keyof typeof OPTIONS;

/** One command: the single source of its usage text, its flags and how service field paths map to them. */
export interface CommandSpec {
  name: string;
  /** Usage, possibly on several lines (help); errors print it on one line. */
  usage: string;
  summary: string;
  /** Flags besides --json and --help. */
  flags: FlagName[];
  /** How many positional arguments follow the command words. */
  args: number;
  /**
   * Service field path (`expiresOn`, `theme.primaryColour`, `allowedIps.2`) → what the user typed. A path with
   * an index (`allowedIps.2`) maps through its prefix (`allowedIps`).
   */
  fields?: Record<string, string>;
  /** Extra lines for `flow help <command>`. */
  details?: string;
}

export const COMMANDS: CommandSpec[] = [
  { name: 'serve', usage: 'flow serve', summary: 'start the server (PORT, HOST, DATABASE_URL, … from the environment)', flags: [], args: 0 },
  { name: 'migrate', usage: 'flow migrate', summary: 'bring the database schema up to date', flags: [], args: 0 },
  {
    name: 'env create',
    usage: 'flow env create <slug> --name <name> [--time-zone <IANA zone>]',
    summary: 'create an environment (one leisure operator)',
    flags: ['name', 'time-zone'],
    args: 1,
    fields: { slug: '<slug>', name: '--name', timeZone: '--time-zone' },
  },
  { name: 'env list', usage: 'flow env list', summary: 'list the environments of the store', flags: [], args: 0 },
  {
    name: 'staff create',
    usage: 'flow staff create --env <slug> --email <email> --role <admin|staff> --password-stdin [--name <name>]',
    summary: 'create a staff user of the console; the password is read from standard input',
    flags: ['env', 'email', 'role', 'password-stdin', 'name'],
    args: 0,
    fields: { email: '--email', role: '--role', name: '--name', password: 'password (stdin)' },
  },
  {
    name: 'keys create',
    usage:
      'flow keys create --env <slug> --reference <text> --purpose <purpose> --expires <YYYY-MM-DD>\n' +
      '                 [--logo <file>] [--primary <#hex>] [--secondary <#hex>]\n' +
      '                 [--allow-ip <cidr>]... [--redirect-origin <origin>]...',
    summary: 'create an API key; the key is printed once',
    flags: ['env', 'reference', 'purpose', 'expires', 'logo', 'primary', 'secondary', 'allow-ip', 'redirect-origin'],
    args: 0,
    fields: {
      reference: '--reference',
      purpose: '--purpose',
      expiresOn: '--expires',
      'theme.primaryColour': '--primary',
      'theme.secondaryColour': '--secondary',
      'theme.logoId': '--logo',
      file: '--logo',
      allowedIps: '--allow-ip',
      allowedRedirectOrigins: '--redirect-origin',
    },
    details: 'purposes: import_members, innovatise_bridge, coursepro_integration, flow_api\nthe key works until the end of --expires in the environment\'s time zone (at most 2 years ahead)',
  },
  { name: 'keys list', usage: 'flow keys list --env <slug>', summary: 'list the keys of an environment (secrets redacted)', flags: ['env'], args: 0 },
  { name: 'keys show', usage: 'flow keys show <keyId>', summary: 'show one key and its permissions', flags: [], args: 1 },
  { name: 'keys revoke', usage: 'flow keys revoke <keyId>', summary: 'revoke a key (refused everywhere within 1 s)', flags: [], args: 1 },
  {
    name: 'keys roll',
    usage: 'flow keys roll <keyId> [--grace <0 | 30s | 1h | 24h | 7d>]',
    summary: 'replace a key\'s secret; the old one keeps working for the grace period',
    flags: ['grace'],
    args: 1,
    fields: { graceSeconds: '--grace' },
  },
  {
    name: 'members import',
    usage: 'flow members import <file.csv|file.json|file.ndjson> [--url <base>] [--dry-run] [--key <apiKey>]',
    summary: 'import members through the public API, with progress and a summary',
    flags: ['key', 'url', 'dry-run'],
    args: 1,
    details:
      'the key is read from FLOW_API_KEY (preferred: a key on the command line is visible in ps and shell history); --key overrides it\n' +
      '--url defaults to http://127.0.0.1:<PORT>, the port the server is configured with (PORT, default 3000)',
  },
];

/** The spec named by the first words of `positionals` (two words, else one), with the words it used. */
export function findCommand(positionals: string[]): { spec: CommandSpec; words: number } | undefined {
  const two = COMMANDS.find((c) => c.name === `${positionals[0]} ${positionals[1]}`);
  if (two) return { spec: two, words: 2 };
  const one = COMMANDS.find((c) => c.name === positionals[0]);
  return one ? { spec: one, words: 1 } : undefined;
}

/** The commands of a group (`keys` → keys create, keys list, …). */
export function groupCommands(group: string | undefined): CommandSpec[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${group} `));
}

/** A command's usage on one line, for error messages. */
export function usageLine(spec: CommandSpec): string {
  return `${spec.usage.replace(/\s*\n\s*/g, ' ')} [--json]`;
}

/** `flow help <command>` / `flow <command> --help`. */
export function commandHelp(spec: CommandSpec): string {
  return [`usage: ${spec.usage} [--json]`, '', spec.summary, ...(spec.details ? [spec.details] : [])].join('\n');
}

/** `flow help` / `flow --help`: every command. */
export function overallHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: flow <command> [options] [--json]',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'flow help <command>     usage of one command (also: flow <command> --help)',
    'flow --version          the version',
    'every command takes --json; it exits 0 on success, else non-zero with one line on stderr',
  ].join('\n');
}

/** The flag (or argument) a service field path came from, for this command; the path itself when unknown. */
export function flagOf(spec: CommandSpec | undefined, path: string): string | undefined {
  const fields = spec?.fields;
  if (!fields) return undefined;
  if (fields[path]) return fields[path];
  const m = /^(.*)\.(\d+)$/.exec(path);
  if (m && fields[m[1]]) return `${fields[m[1]]} #${Number(m[2]) + 1}`;
  return undefined;
}
