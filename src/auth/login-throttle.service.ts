import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DomainError, ErrorKind } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { REDIS } from '../redis/redis.module';

/** After LOGIN_MAX_FAILURES failed logins for one user name, further attempts wait LOGIN_LOCK_SECONDS. */
@Injectable()
export class LoginThrottleService {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async assertAllowed(userName: string): Promise<void> {
    const key = this.key(userName);
    const [failures, ttl] = await Promise.all([this.redis.get(key), this.redis.ttl(key)]);
    if (Number(failures ?? 0) >= this.config.loginMaxFailures) {
      const retryAfter = String(Math.max(1, ttl));
      throw new DomainError(ErrorKind.TooManyRequests, `too many failed logins; retry in ${retryAfter} s`, {
        'Retry-After': retryAfter,
      });
    }
  }

  async recordFailure(userName: string): Promise<void> {
    const key = this.key(userName);
    await this.redis.multi().incr(key).expire(key, this.config.loginLockSeconds).exec();
  }

  async reset(userName: string): Promise<void> {
    await this.redis.del(this.key(userName));
  }

  private key(userName: string): string {
    return `login-failures:${userName.toLowerCase()}`;
  }
}
