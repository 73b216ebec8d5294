import { HttpStatus } from '@nestjs/common';

/**
 * What kind of failure a domain error is. Services throw these; one filter maps them to HTTP, so that
 * no service knows about status codes and every route answers the same way for the same failure.
 */
export enum ErrorKind {
  Invalid = 'invalid',
  Unauthorized = 'unauthorized',
  Forbidden = 'forbidden',
  NotFound = 'not_found',
  Conflict = 'conflict',
  TooManyRequests = 'too_many_requests',
  Unavailable = 'unavailable',
}

export const HTTP_STATUS_OF: Record<ErrorKind, HttpStatus> = {
  [ErrorKind.Invalid]: HttpStatus.UNPROCESSABLE_ENTITY,
  [ErrorKind.Unauthorized]: HttpStatus.UNAUTHORIZED,
  [ErrorKind.Forbidden]: HttpStatus.FORBIDDEN,
  [ErrorKind.NotFound]: HttpStatus.NOT_FOUND,
  [ErrorKind.Conflict]: HttpStatus.CONFLICT,
  [ErrorKind.TooManyRequests]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorKind.Unavailable]: HttpStatus.SERVICE_UNAVAILABLE,
};

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export const notFound = (what: string) => new DomainError(ErrorKind.NotFound, `${what} not found`);
export const conflict = (message: string) => new DomainError(ErrorKind.Conflict, message);
export const forbidden = (message: string) => new DomainError(ErrorKind.Forbidden, message);
export const invalid = (message: string) => new DomainError(ErrorKind.Invalid, message);
export const unauthorized = (message: string) => new DomainError(ErrorKind.Unauthorized, message);
