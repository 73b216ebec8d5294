import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { DomainError, HTTP_STATUS_OF } from './errors';

const PG_UNIQUE_VIOLATION = '23505';
const PG_FOREIGN_KEY_VIOLATION = '23503';

/** Maps every error to `{code, message}` with `code` equal to the HTTP status; never leaks a stack. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(ErrorFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, message, headers } = describeError(error);
    if (status >= 500)
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.status(status).json({ code: status, message });
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
  }
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'internal server error', headers: {} };
}
