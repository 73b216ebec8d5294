import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppModule } from '../app.module';
import { buildOpenApiDocument } from '../common/openapi';
import { loadConfig } from '../config/app-config';

/**
 * The OpenAPI document without a database: preview mode builds the module graph and routes but
 * instantiates no provider, so nothing connects to PostgreSQL or Redis. The URLs and secrets only satisfy
 * the configuration's checks and are never used.
 */
export async function exportOpenApiDocument(): Promise<OpenAPIObject> {
  const config = loadConfig({
    DATABASE_URL: 'postgres://unused/unused',
    REDIS_URL: 'redis://unused',
    // Required by the configuration, never used: nothing is signed or encrypted in preview mode.
    JWT_SECRET: 'unused-openapi-export',
    ENCRYPTION_KEY: '0'.repeat(64),
  });
  const app = await NestFactory.create(AppModule.forRoot(config), new FastifyAdapter(), {
    preview: true,
    logger: false,
  });
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** The document as it is committed: stable key order as built, two-space indent, final newline. */
export const serializeOpenApiDocument = (document: OpenAPIObject) => `${JSON.stringify(document, null, 2)}\n`;

/** `node dist/src/openapi/export.js <file>`: the build writes web/src/api/openapi.json, the client's source. */
if (require.main === module) {
  const [target] = process.argv.slice(2);
  if (!target) throw new Error('usage: export.js <output file>');
  exportOpenApiDocument().then(
    (document) => writeFileSync(path.resolve(target), serializeOpenApiDocument(document)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
