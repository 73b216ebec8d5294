import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import { UsersService } from './auth/users.service';
import { EnvelopeFastifyAdapter } from './common/envelope';
import { describeError } from './common/error.filter';
import { hardenHttp, MAX_BODY_BYTES } from './common/http-hardening';
import { bindRequestIds, JsonLogger, RequestLog, requestId, rootLogger } from './common/logging';
import { buildOpenApiDocument } from './common/openapi';
import { validationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { serveConsole } from './web/console';

export interface AppOptions {
  /** Where the JSON log lines go; standard output unless a test reads them. */
  logDestination?: DestinationStream;
}

/** Builds the application exactly as production runs it; tests use the same function. */
export async function createApp(config: AppConfig, options: AppOptions = {}) {
  const logger = rootLogger(config, options.logDestination);
  const adapter = new EnvelopeFastifyAdapter({
    loggerInstance: logger,
    genReqId: requestId,
    logController: new RequestLog(),
    // The client address that logins and registrations are throttled by: X-Forwarded-For only from
    // as many proxies as TRUST_PROXY says are in front, otherwise the connection's own address. A
    // function, as Express read a hop count: Fastify now refuses to trust any hop given as a number.
    trustProxy: (_address: string, hop: number) => hop < config.trustProxy,
    bodyLimit: MAX_BODY_BYTES,
    // As Express did: `/v1/deploy/` is `/v1/deploy`.
    routerOptions: { ignoreTrailingSlash: true },
    // What Fastify refuses before routing (a path that is not valid percent-encoding) answers in our
    // envelope and words, as every other error does, without echoing the path.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const { status, message } = describeError(error);
      void reply.code(status).send({ code: status, message });
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(new JsonLogger(logger));
  bindRequestIds(app.getHttpAdapter().getInstance());
  await hardenHttp(app);
  app.useGlobalPipes(validationPipe());
  setUpOpenApi(app);
  await serveConsole(app);
  await app.get(UsersService).ensureSystemAdmin();
  return app;
}

function setUpOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app));
}
