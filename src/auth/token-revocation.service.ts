import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS } from '../redis/redis.module';

const secondsUntil = (unixSeconds: number) => Math.max(1, unixSeconds - Math.floor(Date.now() / 1000));

/**
 * Revoked token ids live in Redis until the token would have expired anyway, so every replica sees a
 * logout at once and a restart of the server forgets nothing.
 */
@Injectable()
export class TokenRevocationService {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** Revokes the token; true only for the one caller that revoked it first, so a refresh is single-use. */
  async revoke(tokenId: string, expiresAt: number): Promise<boolean> {
    return (await this.redis.set(this.key(tokenId), '1', 'EX', secondsUntil(expiresAt), 'NX')) === 'OK';
  }

  async isRevoked(tokenId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(tokenId))) === 1;
  }

  /** The key whose existence revokes the token, for a caller that checks it in a pipeline of its own. */
  revokedKey(tokenId: string): string {
    return this.key(tokenId);
  }

  /**
   * Lets one token live on under a new token version: whoever changes their own password keeps the
   * session they did it from, while every other session of theirs ends.
   */
  async keepUnderVersion(tokenId: string, version: number, expiresAt: number): Promise<void> {
    await this.redis.set(this.keptKey(tokenId), String(version), 'EX', secondsUntil(expiresAt));
  }

  async isKeptUnderVersion(tokenId: string, version: number): Promise<boolean> {
    return (await this.redis.get(this.keptKey(tokenId))) === String(version);
  }

  private key(tokenId: string): string {
    return `revoked-token:${tokenId}`;
  }

  private keptKey(tokenId: string): string {
    return `kept-token:${tokenId}`;
  }
}
