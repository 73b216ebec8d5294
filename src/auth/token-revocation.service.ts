import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS } from '../redis/redis.module';

/**
 * Revoked token ids live in Redis until the token would have expired anyway, so every replica sees a
 * logout at once and a restart of the server forgets nothing.
 */
@Injectable()
export class TokenRevocationService {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async revoke(tokenId: string, expiresAt: number): Promise<void> {
    const ttl = Math.max(1, expiresAt - Math.floor(Date.now() / 1000));
    await this.redis.set(this.key(tokenId), '1', 'EX', ttl);
  }

  async isRevoked(tokenId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(tokenId))) === 1;
  }

  private key(tokenId: string): string {
    return `revoked-token:${tokenId}`;
  }
}
