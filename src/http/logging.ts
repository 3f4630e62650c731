import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import pino, { type Bindings, type ChildLoggerOptions, type Logger } from 'pino';
import { SCANNER_PATTERN } from '../kernel/key-format.js';

/** Header paths pino replaces before writing a log line. */
export const LOG_REDACT = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

/** Replaces anything shaped like a key with its redacted form. */
function redactSecrets(text: string): string {
  // Every key starts with "flow_": a text without it (nearly every URL) needs no regular expression.
  return text.includes('flow_') ? text.replace(SCANNER_PATTERN, (k) => `${k.slice(0, 18)}_…${k.slice(-4)}`) : text;
}

/** Request serializer that never writes a key, even one a client put in the URL. */
export const logSerializers = {
  req(req: FastifyRequest) {
    return { method: req.method, url: redactSecrets(req.url), ip: req.ip, id: req.id };
  },
};

/**
 * A request's logger, made only when something logs through it (an error, a warning): Fastify's default
 * builds a pino child for every request, which most requests never use. The access line is written by
 * `accessLog` on the root logger with the request id, so it needs no child either.
 */
class RequestLogger {
  #child: Logger | undefined;
  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
  ) {}
  private get real(): Logger {
    return (this.#child ??= this.parent.child(this.bindings));
  }
  get level(): string {
    return this.parent.level;
  }
  isLevelEnabled(level: string): boolean {
    return this.parent.isLevelEnabled(level);
  }
  child(bindings: Bindings, opts?: ChildLoggerOptions): Logger {
    return this.real.child(bindings, opts);
  }
  fatal(...args: LogArgs): void {
    if (this.parent.isLevelEnabled('fatal')) this.real.fatal(...args);
  }
  error(...args: LogArgs): void {
    if (this.parent.isLevelEnabled('error')) this.real.error(...args);
  }
  warn(...args: LogArgs): void {
    if (this.parent.isLevelEnabled('warn')) this.real.warn(...args);
  }
  info(...args: LogArgs): void {
    if (this.parent.isLevelEnabled('info')) this.real.info(...args);
  }
  debug(...args: LogArgs): void {
    if (this.parent.isLevelEnabled('debug')) this.real.debug(...args);
  }
  trace(...args: LogArgs): void {
    if (this.parent.isLevelEnabled('trace')) this.real.trace(...args);
  }
  silent(): void {}
}
type LogArgs = [obj: unknown, msg?: string, ...args: unknown[]];

/** Fastify's childLoggerFactory: a lazy child unless the route asks for its own level or serializers. */
export function lazyRequestLogger(logger: FastifyBaseLogger, bindings: Bindings, opts: ChildLoggerOptions): FastifyBaseLogger {
  if (opts.level !== undefined || opts.serializers !== undefined) return logger.child(bindings, opts);
  return new RequestLogger(logger as unknown as Logger, bindings) as unknown as FastifyBaseLogger;
}

/** The access line's route field, serialised once when the route is registered ('' for an answer that matched no route). */
export type RouteField = string & { readonly __routeField: true };
export function routeField(route: string | undefined): RouteField {
  return (route === undefined ? '' : `,"route":${JSON.stringify(route)}`) as RouteField;
}

/**
 * The access log: one line per answered request with the request id, method, route pattern, URL (any key
 * in it redacted), status, duration, the key id of a /v1 call (never the secret) and the client address.
 * The line is pino's own format (level, time, the logger's pid and hostname, msg) built as one string (a
 * fraction of the cost of pino's generic object walk) and handed to the logger's destination once per turn
 * of the event loop with every line of that turn: under load that is one write for dozens of requests
 * rather than one each; when idle, a line still leaves within the turn.
 */
export function accessLog(logger: Logger): (request: FastifyRequest, reply: FastifyReply, route: RouteField) => void {
  const stream = (logger as unknown as Record<symbol, { write(line: string): void }>)[pino.symbols.streamSym];
  const bindings = (logger as unknown as Record<symbol, string>)[pino.symbols.chindingsSym];
  const level = logger.levels.values.info;
  let pending = '';
  const flush = () => {
    const lines = pending;
    pending = '';
    stream.write(lines);
  };
  return (request, reply, route) => {
    if (!logger.isLevelEnabled('info')) return;
    const key = request.apiKey?.id;
    if (pending === '') setImmediate(flush);
    pending +=
      `{"level":${level},"time":${Date.now()}${bindings},"reqId":"${request.id}","method":"${request.method}"` +
      route +
      `,"url":${JSON.stringify(redactSecrets(request.url))},"status":${reply.statusCode},"ms":${Math.round(reply.elapsedTime * 10) / 10}` +
      (key === undefined ? '' : `,"key":"${key}"`) +
      `,"ip":${JSON.stringify(request.ip)},"msg":"request"}\n`;
  };
}
