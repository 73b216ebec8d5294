import { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { UsersService } from './auth/users.service';
import { buildOpenApiDocument } from './common/openapi';
import { validationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { serveConsole } from './web/console';

/** Builds the application exactly as production runs it; tests use the same function. */
export async function createApp(config: AppConfig, logger: LogLevel[] | false = ['log', 'warn', 'error']) {
  const app = await NestFactory.create(AppModule.forRoot(config), { logger, bufferLogs: false });
  app.useGlobalPipes(validationPipe());
  setUpOpenApi(app);
  serveConsole(app);
  await app.get(UsersService).ensureSystemAdmin();
  return app;
}

function setUpOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app));
}
