import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import { Repository } from 'typeorm';
import { REDIS } from '../redis/redis.module';
import { UserEntity } from './user.entity';

/** What a request needs to know about its caller: no password hash, no names it does not show. */
export type PrincipalRecord = Pick<
  UserEntity,
  'id' | 'userName' | 'status' | 'isAdmin' | 'isSystemAdmin' | 'businessId' | 'tokenVersion'
>;

const PRINCIPAL_COLUMNS: Record<keyof PrincipalRecord, true> = {
  id: true,
  userName: true,
  status: true,
  isAdmin: true,
  isSystemAdmin: true,
  businessId: true,
  tokenVersion: true,
};

/** An entry is never trusted for longer than this, whatever Redis says. */
const MAX_AGE_MS = 2000;
const MAX_ENTRIES = 10_000;
/** Far longer than MAX_AGE_MS, so an expired epoch can never match an entry read under an older one. */
const EPOCH_TTL_SECONDS = 3600;

interface Entry {
  epoch: string | null;
  loadedAt: number;
  record: Promise<PrincipalRecord | null>;
}

/**
 * The callers' user rows, kept per process for at most two seconds so that a busy client does not
 * cost a query per request. Each entry remembers the user's change epoch in Redis when it was read;
 * every change to a user raises the epoch after it is committed, and every request reads the epoch
 * (pipelined with the token revocation check, so in the same round trip). A change is therefore seen
 * by the very next request on every replica: unlike a pub/sub message, which reaches other replicas
 * a moment after the change's response has been sent, the epoch leaves no window.
 */
@Injectable()
export class PrincipalCache {
  private readonly entries = new Map<number, Entry>();

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /**
   * `epoch`: the user's epoch as the caller just read it from `epochKey(userId)` (in its own pipeline);
   * read here when not given.
   */
  async get(userId: number, epoch?: string | null): Promise<PrincipalRecord | null> {
    if (epoch === undefined) epoch = await this.redis.get(this.epochKey(userId));
    const now = Date.now();
    const cached = this.entries.get(userId);
    if (cached && cached.epoch === epoch && now - cached.loadedAt < MAX_AGE_MS) return cached.record;
    // The epoch was read before the row: a change committed in between raises it again, so the next
    // request reloads rather than trusting what this one read.
    const record = this.users.findOne({ select: PRINCIPAL_COLUMNS, where: { id: userId } });
    this.remember(userId, { epoch, loadedAt: now, record });
    record.catch(() => {
      if (this.entries.get(userId)?.record === record) this.entries.delete(userId);
    });
    return record;
  }

  /** Call after the change to the user is committed: every replica reloads the user on its next request. */
  async invalidate(userId: number): Promise<void> {
    const key = this.epochKey(userId);
    await this.redis.multi().incr(key).expire(key, EPOCH_TTL_SECONDS).exec();
    this.entries.delete(userId);
  }

  private remember(userId: number, entry: Entry): void {
    // Re-inserting keeps the map in load order, so the oldest entries are the first to go.
    this.entries.delete(userId);
    this.entries.set(userId, entry);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= MAX_ENTRIES) break;
      this.entries.delete(oldest);
    }
  }

  epochKey(userId: number): string {
    return `principal-epoch:${userId}`;
  }
}
