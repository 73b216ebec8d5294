import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import IORedis, { Redis, RedisOptions } from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/app-config';

export const REDIS = Symbol('REDIS');

/** Connections for BullMQ, which needs `maxRetriesPerRequest: null` on the ones that block. */
export const redisConnection = (config: AppConfig, options: RedisOptions = {}): Redis =>
  new IORedis(config.redisUrl, { maxRetriesPerRequest: null, ...options });

/**
 * Closes a connection of ours: QUIT while it is up, so that replies still due arrive first; at once
 * otherwise. A QUIT sent while Redis is down joins the offline queue behind the commands waiting
 * there, and on a BullMQ connection (no retry limit) those wait for Redis forever, and the QUIT with
 * them: a shutdown during an outage hung.
 */
export async function closeConnection(connection: Redis): Promise<void> {
  if (connection.status === 'ready') await connection.quit().catch(() => connection.disconnect());
  else connection.disconnect();
}

@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  onApplicationShutdown(): Promise<void> {
    return closeConnection(this.redis);
  }
}

/** The shared client for the server's own keys (token revocation, login throttling), under REDIS_PREFIX. */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      // Requests wait on this client (every token check reads it): while Redis is down, a command fails
      // after one failed reconnection (at most about 2 s of ioredis's back-off) and the request answers
      // 503 (common/error.filter.ts) instead of waiting for Redis; connectTimeout bounds a Redis that
      // accepts connections but never answers.
      useFactory: (config: AppConfig) =>
        new IORedis(config.redisUrl, {
          keyPrefix: `${config.redisPrefix}:`,
          maxRetriesPerRequest: 1,
          connectTimeout: 2000,
        }),
    },
    RedisCloser,
  ],
  exports: [REDIS],
})
export class RedisModule {}
