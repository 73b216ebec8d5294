import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { loadConfig } from '../../src/config/app-config';
import { createTestDatabase } from '../support/database';
import { TEST_REDIS_URL } from '../support/test-app';
import { Factories } from './factories';

/**
 * The service-test tier (as immich's test/medium): the real modules on a real migrated database, without
 * HTTP and without workers (PROCESS_ROLE=api), so a test calls a service directly and sees what it
 * wrote and which jobs it queued. Data comes from small factories that insert rows, not from requests.
 */
export interface ServiceContext {
  app: INestApplicationContext;
  get: INestApplicationContext['get'];
  db: DataSource;
  make: Factories;
  close: () => Promise<void>;
}

export async function startServiceContext(env: Record<string, string> = {}): Promise<ServiceContext> {
  const database = await createTestDatabase();
  const config = loadConfig({
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: `ote-medium-${randomBytes(4).toString('hex')}`,
    JWT_SECRET: randomBytes(24).toString('hex'),
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    PROCESS_ROLE: 'api',
    BCRYPT_ROUNDS: '4',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: false });
  await app.init();
  const db = app.get(DataSource);
  return {
    app,
    get: app.get.bind(app) as INestApplicationContext['get'],
    db,
    make: new Factories(db),
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
