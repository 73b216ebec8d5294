import type { Redis } from 'ioredis';
import type { Repository } from 'typeorm';
import { PrincipalCache } from './principal-cache.service';
import { UserEntity, UserStatus } from './user.entity';

describe('PrincipalCache', () => {
  let epoch: string | null;
  let now: number;
  let loads: number;
  let cache: PrincipalCache;

  beforeEach(() => {
    epoch = null;
    now = 1_000_000;
    loads = 0;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const users = {
      findOne: async () => {
        loads++;
        return { id: 7, userName: 'u', status: UserStatus.Approved, tokenVersion: loads };
      },
    } as unknown as Repository<UserEntity>;
    const transaction = { incr: () => transaction, expire: () => transaction, exec: async () => [] };
    const redis = {
      get: async () => epoch,
      multi: () => {
        epoch = String(Number(epoch ?? 0) + 1);
        return transaction;
      },
    } as unknown as Redis;
    cache = new PrincipalCache(users, redis);
  });
  afterEach(() => jest.restoreAllMocks());

  it('serves parallel and repeated requests from one load while the epoch stands, for at most 2 s', async () => {
    await Promise.all([cache.get(7), cache.get(7), cache.get(7)]);
    now += 1999;
    expect((await cache.get(7))?.tokenVersion).toBe(1);
    expect(loads).toBe(1);
    now += 1;
    expect((await cache.get(7))?.tokenVersion).toBe(2);
  });

  it('reloads at once when the user changed, whichever replica changed it', async () => {
    await cache.get(7);
    epoch = '5'; // raised by another replica
    expect((await cache.get(7))?.tokenVersion).toBe(2);
    await cache.invalidate(7);
    expect((await cache.get(7))?.tokenVersion).toBe(3);
  });
});
