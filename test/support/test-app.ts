import { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppOptions, createApp } from '../../src/app.factory';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { createTestDatabase } from './database';
import { QuietQueuesOptions, waitForQuietQueues } from './queues';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ADMIN = { user: 'sysadmin', password: 'Sysadmin123' };

/**
 * The app ready to serve requests on its HTTP server without `listen` (supertest listens on its own):
 * Nest's modules initialised and Fastify's routes and plugins loaded.
 */
export async function readyToServe(app: INestApplication): Promise<void> {
  await app.init();
  await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
}

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  /** The environment the application was configured from, for processes started beside it. */
  env: Record<string, string>;
  api: () => TestAgent;
  /** Stops the application and starts a new one on the same database and Redis keys. */
  restart: (env?: Record<string, string>) => Promise<void>;
  /** Waits until no job is pending (see waitForQuietQueues in ./queues): tests wait for quiet queues, never sleep. */
  waitForQuietQueues: (options?: QuietQueuesOptions) => Promise<void>;
  close: () => Promise<void>;
}

/**
 * One application per test file, on its own database and its own Redis key prefix. A DATABASE_URL or
 * REDIS_URL in `env` (the chaos tests' private servers) is used instead, and its database is not dropped.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: AppOptions = {},
): Promise<TestApp> {
  const database = env.DATABASE_URL ? undefined : await createTestDatabase();
  const redisUrl = env.REDIS_URL ?? TEST_REDIS_URL;
  const redisPrefix = `ote-test-${randomBytes(4).toString('hex')}`;
  const baseEnv = {
    DATABASE_URL: database?.url ?? '',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: redisPrefix,
    JWT_SECRET: 'test-secret-of-sufficient-length',
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    ADMIN_USER: ADMIN.user,
    ADMIN_PASSWORD: ADMIN.password,
    BCRYPT_ROUNDS: '4',
    // Quiet unless a test asks for logs (LOG_LEVEL in its env).
    LOG_LEVEL: 'silent',
  };
  const boot = async (extra: Record<string, string>) => {
    const merged = { ...baseEnv, ...env, ...extra };
    const config = loadConfig(merged);
    const app = await createApp(config, options);
    await readyToServe(app);
    return { app, config, env: merged };
  };
  let current = await boot({});

  const testApp: TestApp = {
    get app() {
      return current.app;
    },
    get config() {
      return current.config;
    },
    get env() {
      return current.env;
    },
    api: () => request(current.app.getHttpServer()),
    restart: async (extra = {}) => {
      await current.app.close();
      current = await boot(extra);
    },
    waitForQuietQueues: (options) => waitForQuietQueues(current, options),
    close: async () => {
      await current.app.close();
      await database?.drop();
      await deleteRedisKeys(redisUrl, redisPrefix);
    },
  };
  return testApp;
}

async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new IORedis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
