import { ConfigError } from '../config.js';
import { AppError, type ErrorCode } from '../kernel/errors.js';
import { flagOf, usageLine, type CommandSpec } from './commands.js';

/** One problem, named as the user typed it (`--expires`), with the service's field path when there is one. */
export interface CliFieldError {
  flag?: string;
  path?: string;
  message: string;
}

/** Bad usage (unknown command or flag, a missing value): exit 2, the command's usage in the message. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly spec?: CommandSpec,
    readonly errors?: CliFieldError[],
  ) {
    super(message);
  }
}

/** A required flag or argument that is absent. */
export function missing(flag: string, spec?: CommandSpec, message = 'is required'): UsageError {
  return new UsageError(`${flag} ${message}`, spec, [{ flag, message }]);
}

/** A service error, its field paths mapped to the command's flags. */
export class CommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: CliFieldError[],
  ) {
    super(message);
  }
}

/** Re-expresses an AppError in the command's terms: `expiresOn` → `--expires`, `theme.primaryColour` → `--primary`. */
export function inCommandTerms(err: AppError, spec: CommandSpec | undefined): CommandError {
  if (!err.errors?.length) return new CommandError(err.code, err.detail);
  // The label says which of a repeated flag (`--allow-ip #2`); `flag` is the flag itself.
  const labelled = err.errors.map((e) => ({ label: flagOf(spec, e.path), e }));
  const errors: CliFieldError[] = labelled.map(({ label, e }) => (label ? { flag: label.split(' ')[0], path: e.path, message: e.message } : { path: e.path, message: e.message }));
  const message = labelled.map(({ label, e }) => `${label ?? e.path}: ${e.message}`).join('; ');
  return new CommandError(err.code, message, errors);
}

/** Why a request to the server could not be made (fetch's TypeError hides it in `cause`). */
function networkReason(err: unknown): string | undefined {
  if (!(err instanceof TypeError) || err.message !== 'fetch failed') return undefined;
  const cause = err.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? 'network error';
}

export interface FormattedError {
  /** One line for stderr, without the newline. */
  line: string;
  /** The exit code: 2 for bad usage or configuration, 1 otherwise. */
  code: number;
}

function isParseArgsError(err: unknown): err is TypeError & { code: string } {
  return err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS');
}

/** Formats any failure as one line for stderr (one JSON line with `json`) and picks the exit code. */
export function cliError(err: unknown, json = false): FormattedError {
  let code: string;
  let message: string;
  let errors: CliFieldError[] | undefined;
  let usage: string | undefined;
  let exit = 1;
  let human: string;
  if (err instanceof UsageError || isParseArgsError(err)) {
    const spec = err instanceof UsageError ? err.spec : undefined;
    code = 'validation_failed';
    message = err.message;
    errors = err instanceof UsageError ? err.errors : undefined;
    usage = spec ? usageLine(spec) : undefined;
    exit = 2;
    human = `error: ${message} (${usage ? `usage: ${usage}` : 'see flow help'})`;
  } else if (err instanceof ConfigError) {
    code = 'validation_failed';
    message = err.message;
    exit = 2;
    human = `configuration error: ${message}`;
  } else if (err instanceof CommandError || err instanceof AppError) {
    const e = err instanceof AppError ? inCommandTerms(err, undefined) : err;
    code = e.code;
    message = e.message;
    errors = e.errors;
    human = `error (${code}): ${message}`;
  } else if (networkReason(err)) {
    code = 'unavailable';
    message = `cannot reach the server (${networkReason(err)})`;
    human = `error (${code}): ${message}`;
  } else {
    code = 'internal';
    message = err instanceof Error ? err.message : String(err);
    human = `error: ${message}`;
  }
  // One line, whatever a message holds.
  const oneLine = (s: string) => s.replace(/\s*[\r\n]+\s*/g, ' ');
  if (!json) return { line: oneLine(human), code: exit };
  return { line: JSON.stringify({ error: { code, message: oneLine(message), ...(errors ? { errors } : {}), ...(usage ? { usage } : {}) } }), code: exit };
}
