import type { DynamicModule, LoggerService } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Logger, LoggerModule, Params, PinoLogger } from 'nestjs-pino';
import { DestinationStream, stdTimeFunctions } from 'pino';
import type { Options } from 'pino-http';
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

function requestId(request: IncomingMessage, response: ServerResponse): string {
  const incoming = request.headers['x-request-id'];
  const id = typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  response.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

function pinoHttpOptions(config: AppConfig): Options {
  return {
    level: config.logLevel,
    genReqId: requestId,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    timestamp: stdTimeFunctions.isoTime,
    // Lines written while serving a request carry its id; the request itself is logged once, at the end.
    quietReqLogger: true,
    customLogLevel: (_request, response, error) =>
      error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
    autoLogging: { ignore: (request) => UNLOGGED_PATHS.has(pathOf(request.url ?? '')) },
  };
}

/**
 * JSON lines through pino: one per request with its id, and the Nest logger (services, workers)
 * routed through the same logger. `destination` lets tests read what is written.
 */
export function loggingModule(config: AppConfig, destination?: DestinationStream): DynamicModule {
  return LoggerModule.forRoot(loggingParams(config, destination));
}

/**
 * The same JSON logger for the lines written before the application exists (migrations, start-up
 * warnings). nestjs-pino keeps one root logger per process, which the application then reuses.
 */
export function startupLogger(config: AppConfig): LoggerService {
  const params = loggingParams(config);
  return new Logger(new PinoLogger(params), params);
}

function loggingParams(config: AppConfig, destination?: DestinationStream): Params {
  const options = pinoHttpOptions(config);
  return { pinoHttp: destination ? [options, destination] : options };
}
