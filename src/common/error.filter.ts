import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { QueryFailedError } from 'typeorm';
import { DomainError, HTTP_STATUS_OF } from './errors';
import { fastifyRefusal } from './http-hardening';
import { isTransientConflict } from './transient-conflict';

const PG_UNIQUE_VIOLATION = '23505';
const PG_FOREIGN_KEY_VIOLATION = '23503';
/**
 * Values PostgreSQL refuses that passed validation, answered 422 in our words: text with a NUL character
 * (which PostgreSQL's text cannot hold), text longer than its column in code points (a validator counts
 * characters, and some, like emoji with a variation selector, are two code points), a number beyond its
 * column.
 */
const PG_REFUSED_VALUES: Record<string, string> = {
  '22021': 'text may not contain the NUL character',
  '22001': 'a text value is longer than its field allows',
  '22003': 'a number is out of range',
};

/** Maps every error to `{code, message}` with `code` equal to the HTTP status; never leaks a stack. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(ErrorFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, message, headers } = describeError(error);
    if (status >= 500)
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    void reply.code(status).headers(headers).send({ code: status, message });
  }
}

/** The HTTP status, our own message and any headers (Retry-After) for an error from anywhere in a request. */
export function describeError(error: unknown): {
  status: number;
  message: string;
  headers: Record<string, string>;
} {
  if (error instanceof DomainError) {
    return { status: HTTP_STATUS_OF[error.kind], message: error.message, headers: error.headers };
  }
  // Fastify's refusals of a body reach here as an HttpException caused by its own error.
  const refusal = fastifyRefusal(error instanceof HttpException ? error.cause : error);
  if (refusal) return { ...refusal, headers: {} };
  if (error instanceof HttpException) {
    const body = error.getResponse();
    const message =
      typeof body === 'string' ? body : ((body as { message?: string | string[] }).message ?? error.message);
    return {
      status: error.getStatus(),
      message: Array.isArray(message) ? message.join('; ') : message,
      headers: {},
    };
  }
  if (error instanceof QueryFailedError) {
    const code = (error.driverError as { code?: string })?.code;
    // The database's constraints catch what a service's own checks could not see: a racing
    // duplicate, or a row that others still refer to.
    if (code === PG_UNIQUE_VIOLATION)
      return { status: HttpStatus.CONFLICT, message: 'already exists', headers: {} };
    if (code === PG_FOREIGN_KEY_VIOLATION) {
      return { status: HttpStatus.CONFLICT, message: 'still in use by other records', headers: {} };
    }
    if (code !== undefined && Object.hasOwn(PG_REFUSED_VALUES, code))
      return { status: HttpStatus.UNPROCESSABLE_ENTITY, message: PG_REFUSED_VALUES[code], headers: {} };
  }
  if (isTransientConflict(error)) {
    // Still colliding after its retries (retryOnTransientConflict): nothing was written, so "try again".
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      message: 'the change collided with another one; try again',
      headers: { 'Retry-After': '1' },
    };
  }
  if (dependencyUnreachable(error)) {
    // PostgreSQL or Redis is down: 503 says "try again" to clients and load balancers, where 500 would
    // blame the request; the message names neither server nor address.
    return { status: HttpStatus.SERVICE_UNAVAILABLE, message: 'service unavailable', headers: {} };
  }
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'internal server error', headers: {} };
}

/** Socket failures reaching PostgreSQL or Redis. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
/** PostgreSQL's admin_shutdown, crash_shutdown and cannot_connect_now; class 08 is "connection exception". */
const PG_SHUTDOWN_CODES = new Set(['57P01', '57P02', '57P03']);
/** What pg, pg-pool and ioredis (whose retries per request ran out, see redis.module.ts) say when the server is gone. */
const UNREACHABLE_MESSAGE =
  /^(Connection terminated|Connection is closed|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/** Whether an error means that the database or Redis cannot be reached, not that the request failed. */
export function dependencyUnreachable(error: unknown): boolean {
  const cause: unknown = error instanceof QueryFailedError ? error.driverError : error;
  // Not `instanceof Error`: socket errors are made by Node's own Error, another realm's under jest.
  if (typeof cause !== 'object' || cause === null) return false;
  const { code, name, message } = cause as { code?: unknown; name?: unknown; message?: unknown };
  if (
    typeof code === 'string' &&
    (NETWORK_CODES.has(code) || PG_SHUTDOWN_CODES.has(code) || /^08/.test(code))
  )
    return true;
  return (
    name === 'MaxRetriesPerRequestError' || (typeof message === 'string' && UNREACHABLE_MESSAGE.test(message))
  );
}
