import multipart from '@fastify/multipart';
import { BadRequestException, HttpStatus } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyBodyParser } from 'fastify';

/** SPEC §12: bodies over this size are refused with 413 before they are read into memory. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * What Fastify refuses a request for, before any route sees it, in our words (its own name the parser
 * and its rules, or echo the path).
 */
const FASTIFY_REFUSALS: Record<string, { status: HttpStatus; message: string }> = {
  FST_ERR_BAD_URL: { status: HttpStatus.BAD_REQUEST, message: 'request path is not valid percent-encoding' },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: HttpStatus.PAYLOAD_TOO_LARGE,
    message: `request body is larger than ${MAX_BODY_BYTES / (1024 * 1024)} MB`,
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    message: 'request body has a content type that is not accepted here',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: HttpStatus.BAD_REQUEST,
    message: 'request body does not match its Content-Length',
  },
};

/** The status and our message for Fastify's refusal of a request (its path, its body), if it is one. */
export function fastifyRefusal(error: unknown): { status: HttpStatus; message: string } | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? FASTIFY_REFUSALS[code] : undefined;
}

/**
 * Standard security headers (helmet's: no X-Powered-By, nosniff, frame and referrer policies...), and
 * request bodies read here, with our limit, so that a refused body answers in our error envelope
 * `{code, message}` without the parser's text. The app must be created with `bodyParser: false`.
 */
export async function hardenHttp(app: NestFastifyApplication): Promise<void> {
  // Nest's own: helmet 8's headers and defaults, resolved once rather than per request (@fastify/helmet
  // builds a helmet middleware for every request).
  app.useSecurityHeaders();
  // Forms are read by the routes that take them (MultipartForm), each with its own limits.
  await app.register(multipart);
  const fastify = app.getHttpAdapter().getInstance();
  // Only JSON and form bodies are read; any other content type (Fastify reads text/plain) is 415.
  fastify.removeContentTypeParser('text/plain');
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  const json: FastifyBodyParser<Buffer> = (request, body, done) => {
    // As body-parser did: an empty body with a JSON content type is an empty object.
    if (body.length === 0) return done(null, {});
    parseJson(request, body.toString('utf8'), (error, parsed) =>
      error ? done(new BadRequestException('request body is not valid JSON')) : done(null, parsed),
    );
  };
  app.useBodyParser('application/json', { bodyLimit: MAX_BODY_BYTES }, json);
  app.useBodyParser('application/x-www-form-urlencoded', { bodyLimit: MAX_BODY_BYTES });
}
