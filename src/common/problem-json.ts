import {
  applyDecorators,
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpStatus,
  Logger,
  UseFilters,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { extractToken } from './auth/token-extractor';
import type { InvalidParam } from './collection-query';
import { RawResponse } from './envelope';
import { describeError } from './error.filter';
import { DomainError, ErrorKind } from './errors';

/** An RFC 7807 problem type as the Astra seeds write them. */
interface Problem {
  type: string;
  title: string;
  detail: string;
}

const ASTRA = 'https://astra.netapp.io/problems';
const PROBLEMS = {
  resourceNotFound: {
    type: `${ASTRA}/1`,
    title: 'Resource not found',
    detail: "The resource specified in the request URI wasn't found.",
  },
  collectionNotFound: {
    type: `${ASTRA}/2`,
    title: 'Collection not found',
    detail: "The collection specified in the request URI wasn't found.",
  },
  missingToken: {
    type: `${ASTRA}/3`,
    title: 'Missing bearer token',
    detail: 'The request is missing the required bearer token.',
  },
  invalidToken: {
    type: `${ASTRA}/4`,
    title: 'Invalid bearer token',
    detail: 'The supplied bearer token is invalid, expired or revoked.',
  },
  invalidQuery: {
    type: `${ASTRA}/5`,
    title: 'Invalid query parameters',
    detail: 'The supplied query parameters are invalid.',
  },
  forbidden: {
    type: `${ASTRA}/11`,
    title: 'Operation not permitted',
    detail: "The requested operation isn't permitted.",
  },
} satisfies Record<string, Problem>;

/** A failure that chooses its own problem document rather than the one its status implies. */
class ProblemError extends DomainError {
  constructor(
    kind: ErrorKind,
    readonly status: HttpStatus,
    readonly problem: Problem,
    readonly invalidParams?: InvalidParam[],
  ) {
    super(kind, problem.title);
  }
}

/** 400 naming each bad query parameter and why. */
export const invalidQuery = (invalidParams: InvalidParam[]) =>
  new ProblemError(ErrorKind.Invalid, HttpStatus.BAD_REQUEST, PROBLEMS.invalidQuery, invalidParams);
/** 404 for the collection itself (an unknown account), as opposed to one resource in it. */
export const collectionNotFound = () =>
  new ProblemError(ErrorKind.NotFound, HttpStatus.NOT_FOUND, PROBLEMS.collectionNotFound);

function problemFor(status: number, message: string, request: FastifyRequest): Problem {
  switch (status) {
    case HttpStatus.UNAUTHORIZED:
      return extractToken(request) ? PROBLEMS.invalidToken : PROBLEMS.missingToken;
    case HttpStatus.FORBIDDEN:
      return PROBLEMS.forbidden;
    case HttpStatus.NOT_FOUND:
      return PROBLEMS.resourceNotFound;
    default:
      // RFC 7807: with no more specific type, `about:blank` and the status's own phrase.
      return {
        type: 'about:blank',
        title: STATUS_CODES[status] ?? 'Error',
        detail: status >= 500 ? 'The server could not complete the request.' : message,
      };
  }
}

/**
 * Errors of the Astra routes as `application/problem+json`: `type`, `title`, `detail`, `status` as a
 * string, a `correlationID` that the log line of a server fault carries too, and `invalidParams`.
 */
@Catch()
class ProblemJsonFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemJsonFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const correlationID = randomUUID();
    const described = describeError(error);
    const status = error instanceof ProblemError ? error.status : described.status;
    const problem =
      error instanceof ProblemError ? error.problem : problemFor(status, described.message, request);
    if (status >= 500) {
      const trace = error instanceof Error ? (error.stack ?? error.message) : String(error);
      this.logger.error(`correlationID ${correlationID}: ${trace}`);
    }
    const invalidParams = error instanceof ProblemError ? error.invalidParams : undefined;
    void reply
      .code(status)
      .headers(described.headers)
      .type('application/problem+json; charset=utf-8')
      .send(
        JSON.stringify({
          ...problem,
          status: String(status),
          correlationID,
          ...(invalidParams && { invalidParams }),
        }),
      );
  }
}

/** Routes that follow an Astra seed: bare bodies, and errors as problem documents. */
export const AstraContract = () => applyDecorators(RawResponse(), UseFilters(ProblemJsonFilter));
