import type { LoggerService } from '@nestjs/common';
import { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { pino, type DestinationStream, type Level, type Logger, stdTimeFunctions } from 'pino';
import type { AppConfig } from '../config/app-config';

const REQUEST_ID_HEADER = 'X-Request-Id';
/** An incoming id is kept when it looks like one (a UUID, a trace id); anything else is replaced. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Probes and scrapes would drown everything else. */
const UNLOGGED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Never written to a log: credentials in headers, and secret fields of anything logged as an object
 * (bodies are not logged at all, but an error or a job payload might carry one of these).
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-auth-token"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'password',
  'oldPassword',
  'token',
  'kubeconfig',
  '*.password',
  '*.oldPassword',
  '*.token',
  '*.kubeconfig',
];

/**
 * The one JSON logger of a process. `destination` lets tests read what is written; standard output
 * otherwise.
 */
export function rootLogger(config: AppConfig, destination?: DestinationStream): Logger {
  const options = {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    formatters: { level: (label: string) => ({ level: label }) },
    timestamp: stdTimeFunctions.isoTime,
    // A request as its line shows it: the headers too, with the credentials redacted (above).
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: request.url,
        headers: request.headers,
        remoteAddress: request.ip,
      }),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** The request's id, as Fastify asks for it: a sane incoming `X-Request-Id`, or a new UUID. */
export function requestId(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** The logger of the request being served (bound to its id), for the Nest logger's lines. */
const requestLogger = new AsyncLocalStorage<Logger>();
/** Fastify's child of the pino logger it was given (`loggerInstance`), typed as pino's. */
const logOf = (request: FastifyRequest) => request.log as Logger;

/**
 * One line per request, at its end, with its id (which the response echoes as `X-Request-Id`), its
 * status, duration and headers, credentials redacted; none for probes and scrapes. Fastify's own
 * "incoming request" line is not written: one line per request is enough.
 */
export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const statusCode = reply.statusCode;
    const level: Level = error || statusCode >= 500 ? 'error' : statusCode >= 400 ? 'warn' : 'info';
    const log = logOf(request);
    if (!log.isLevelEnabled(level) || UNLOGGED_PATHS.has(request.url.split('?', 1)[0])) return;
    const line = { req: request, res: reply, responseTime: reply.elapsedTime, ...(error && { err: error }) };
    log[level](line, 'request completed');
  }
}

/**
 * The request's id on its response, and on the lines services write while serving it (bound where
 * Nest takes over, for guards, pipes and the handler: a body is read in the socket's own callbacks,
 * which would not carry a binding made before it).
 */
export function bindRequestIds(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  fastify.addHook('preHandler', (request, _reply, done) => requestLogger.run(logOf(request), done));
}

type NestLevel = 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal';

/**
 * Nest's logger (its own lines, services', workers') as JSON lines of the same pino logger: the
 * context Nest passes last as `context`, an error's stack as `stack`, and within a request its id.
 */
export class JsonLogger implements LoggerService {
  constructor(private readonly root: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: NestLevel, message: unknown, rest: unknown[]): void {
    const logger = requestLogger.getStore() ?? this.root;
    if (!logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    // Nest's convention: with more than the message, a string last is the context.
    if (rest.length && typeof rest[rest.length - 1] === 'string') fields.context = rest.pop();
    if (level === 'error' && typeof rest[0] === 'string') fields.stack = rest[0];
    if (message instanceof Error) logger[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) logger[level]({ ...fields, ...message });
    else logger[level](fields, String(message));
  }
}

/** The same JSON logger for the lines written before the application exists (migrations, start-up). */
export function startupLogger(config: AppConfig): LoggerService {
  return new JsonLogger(rootLogger(config));
}
