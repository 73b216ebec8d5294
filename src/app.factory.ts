import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import { UsersService } from './auth/users.service';
import { hardenHttp } from './common/http-hardening';
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
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, options.logDestination),
    {
      bufferLogs: true,
      bodyParser: false,
    },
  );
  app.useLogger(app.get(Logger));
  // The client address that logins and registrations are throttled by: X-Forwarded-For only from
  // as many proxies as TRUST_PROXY says are in front, otherwise the connection's own address.
  app.set('trust proxy', config.trustProxy);
  hardenHttp(app);
  app.useGlobalPipes(validationPipe());
  setUpOpenApi(app);
  serveConsole(app);
  await app.get(UsersService).ensureSystemAdmin();
  return app;
}

function setUpOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app));
}
