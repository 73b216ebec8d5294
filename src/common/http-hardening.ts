import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

/** SPEC §12: JSON bodies over this size are refused with 413 before they are read into memory. */
const MAX_BODY = '1mb';

/** What body-parser throws: an HTTP status and a type, with a message not meant for clients. */
interface BodyParserError {
  status?: number;
  type?: string;
}

const BODY_ERRORS: Record<string, string> = {
  'entity.too.large': `request body is larger than ${MAX_BODY.replace('mb', ' MB')}`,
  'entity.parse.failed': 'request body is not valid JSON',
};

/**
 * Standard security headers (helmet: no X-Powered-By, nosniff, frame and referrer policies...), and
 * request bodies parsed here, with our limit, so that a refused body answers in our error envelope
 * `{code, message}` instead of express's HTML page. The app must be created with `bodyParser: false`.
 */
export function hardenHttp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.use(helmet());
  express.useBodyParser('json', { limit: MAX_BODY });
  express.useBodyParser('urlencoded', { limit: MAX_BODY, extended: true });
  express.use((error: BodyParserError, _request: Request, response: Response, next: NextFunction) => {
    const status = error?.status;
    if (typeof status !== 'number' || status < 400 || status >= 500 || !error.type) return next(error);
    response
      .status(status)
      .json({ code: status, message: BODY_ERRORS[error.type] ?? 'unreadable request body' });
  });
}
