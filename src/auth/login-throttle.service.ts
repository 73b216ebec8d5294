import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DomainError, ErrorKind } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { REDIS } from '../redis/redis.module';

/** SPEC §12: failures count for 15 minutes; past the limit each attempt waits twice as long, 1 s to 15 min. */
const THROTTLE_WINDOW_SECONDS = 15 * 60;
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 15 * 60 * 1000;

/**
 * Reserves a login attempt atomically, counting it as a failure before the password is checked, so
 * that parallel guesses cannot all pass a check made before any of them is counted.
 * KEYS: the user name's failures, the user name's lock (until, in ms), the address's failures.
 * ARGV: now (ms), failures per name, failures per address, window (s), first delay (ms), last delay (ms).
 * Returns {0} when the attempt may go ahead, or {1, retry after in ms}.
 */
const BEGIN_LOGIN = `
local now = tonumber(ARGV[1])
local lockedUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
if lockedUntil > now then return {1, lockedUntil - now} end
local fromAddress = tonumber(redis.call('GET', KEYS[3]) or '0')
if fromAddress >= tonumber(ARGV[3]) then return {1, redis.call('PTTL', KEYS[3])} end
if redis.call('INCR', KEYS[3]) == 1 then redis.call('EXPIRE', KEYS[3], ARGV[4]) end
local failures = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
local beyond = failures - tonumber(ARGV[2])
if beyond >= 0 then
  local delay = math.min(tonumber(ARGV[5]) * 2 ^ math.min(beyond, 30), tonumber(ARGV[6]))
  redis.call('SET', KEYS[2], now + delay, 'PX', math.ceil(delay))
end
return {0}
`;

/** A correct password: the name starts afresh and the address gets its reservation back. */
const LOGIN_SUCCEEDED = `
redis.call('DEL', KEYS[1], KEYS[2])
if tonumber(redis.call('GET', KEYS[3]) or '0') > 0 then redis.call('DECR', KEYS[3]) end
`;

/** Counts one registration from an address; returns the count and the window's remaining ms. */
const COUNT_REGISTRATION = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}
`;

export interface LoginAttempt {
  userName: string;
  address: string;
}

const tooManyRequests = (what: string, retryAfterMs: number) => {
  const retryAfter = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  return new DomainError(ErrorKind.TooManyRequests, `${what}; retry in ${retryAfter} s`, {
    'Retry-After': retryAfter,
  });
};

/**
 * SPEC §12 login throttling. Per user name: LOGIN_MAX_FAILURES failures within 15 minutes, then each
 * further attempt must wait 1 s, 2 s, 4 s … up to 15 minutes after the one before; an attempt during
 * the wait is refused (429 with Retry-After) without checking the password and without counting.
 * Per client address: LOGIN_MAX_FAILURES_PER_ADDRESS failures within 15 minutes, then 429 until the
 * window ends. Unknown user names count exactly like known ones, so the throttle does not tell them
 * apart either. Anyone may slow down logins to any name, but never for long: after the attacker's
 * last failure the wait is at most 15 minutes, and each failure costs them a share of their address's
 * limit.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Reserves the attempt, counted as a failure until `succeeded` says otherwise; 429 when not allowed. */
  async begin(attempt: LoginAttempt): Promise<void> {
    const [refused, retryAfterMs] = (await this.redis.eval(
      BEGIN_LOGIN,
      3,
      ...this.keys(attempt),
      Date.now(),
      this.config.loginMaxFailures,
      this.config.loginMaxFailuresPerAddress,
      THROTTLE_WINDOW_SECONDS,
      FIRST_DELAY_MS,
      MAX_DELAY_MS,
    )) as [number, number?];
    if (refused) throw tooManyRequests('too many failed logins', retryAfterMs ?? 0);
  }

  async succeeded(attempt: LoginAttempt): Promise<void> {
    await this.redis.eval(LOGIN_SUCCEEDED, 3, ...this.keys(attempt));
  }

  /** Registrations per client address, REGISTRATIONS_PER_ADDRESS within 15 minutes. */
  async countRegistration(address: string): Promise<void> {
    const [count, retryAfterMs] = (await this.redis.eval(
      COUNT_REGISTRATION,
      1,
      `registrations:${address}`,
      THROTTLE_WINDOW_SECONDS,
    )) as [number, number];
    if (count > this.config.registrationsPerAddress) {
      throw tooManyRequests('too many registrations from your address', retryAfterMs);
    }
  }

  private keys({ userName, address }: LoginAttempt): [string, string, string] {
    const name = userName.toLowerCase();
    return [`login-failures:${name}`, `login-lock:${name}`, `login-failures-from:${address}`];
  }
}
