import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { AuditTrail } from '../audit/audit-trail.service';
import { Principal } from '../common/auth/principal';
import { forbidden, unauthorized } from '../common/errors';
import { unixSeconds } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { REDIS } from '../redis/redis.module';
import { AuthorizationInfo } from './dto';
import { LoginThrottleService } from './login-throttle.service';
import { hashPassword, verifyPassword } from './password';
import { PrincipalCache, PrincipalRecord } from './principal-cache.service';
import { roleOf } from './roles';
import { TokenRevocationService } from './token-revocation.service';
import { UserEntity, UserStatus } from './user.entity';
import { UsersService } from './users.service';

const TOKEN_LIFETIME_SECONDS = 3600;

export interface TokenClaims {
  sub: number;
  jti: string;
  /** The user's token version when the token was issued. */
  ver: number;
  /** When the session's login happened (Unix seconds); refreshes carry it unchanged. */
  auth_time: number;
  iat: number;
  exp: number;
}

const REFUSED_STATUSES = [UserStatus.NotApproved, UserStatus.Forbidden];
const isInteger = (value: unknown): value is number => Number.isSafeInteger(value);

/** Tokens of an older release lack the session claims; they are refused like any malformed token. */
const hasSessionClaims = (claims: Partial<TokenClaims>): claims is TokenClaims =>
  isInteger(claims.sub) &&
  typeof claims.jti === 'string' &&
  isInteger(claims.ver) &&
  isInteger(claims.auth_time) &&
  isInteger(claims.exp);

/** Whether a user has a registry account; the registry module, which keeps the accounts, answers it. */
export type RepoAccountLookup = (userId: number) => Promise<boolean>;

@Injectable()
export class AuthService {
  /** Compared against when the user name is unknown, so that it costs what a wrong password costs. */
  private readonly unknownUserHash: Promise<string>;
  private repoAccountLookup: RepoAccountLookup = () => Promise.resolve(false);

  constructor(
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    private readonly revocations: TokenRevocationService,
    private readonly throttle: LoginThrottleService,
    private readonly principals: PrincipalCache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly auditTrail: AuditTrail,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.unknownUserHash = hashPassword(randomBytes(16).toString('hex'), config.bcryptRounds);
  }

  /** Failures are audited; attempts the throttle refuses are not, so a flood cannot fill the trail. */
  async login(userName: string, password: string, clientAddress: string): Promise<string> {
    const attempt = { userName, address: clientAddress };
    await this.throttle.begin(attempt);
    const user = await this.users.findByName(userName);
    const matches = await verifyPassword(password, user?.passwordHash ?? (await this.unknownUserHash));
    if (!user || !matches) {
      await this.auditFailedLogin(userName, user, clientAddress, 'wrong user name or password');
      throw unauthorized('wrong user name or password');
    }
    await this.throttle.succeeded(attempt);
    if (REFUSED_STATUSES.includes(user.status)) {
      await this.auditFailedLogin(userName, user, clientAddress, 'account not approved or forbidden');
      throw forbidden('this account is not approved or is forbidden');
    }
    return this.issue(user.id, user.tokenVersion, unixSeconds(new Date()));
  }

  /**
   * A fresh token for the same session; the presented one stops working at once. Only the first of
   * several parallel refreshes of one token wins, the others are 401.
   */
  async refresh(principal: Principal): Promise<string> {
    if (!(await this.revocations.revoke(principal.tokenId, principal.tokenExpiresAt))) {
      throw unauthorized('token revoked');
    }
    return this.issue(principal.userId, principal.tokenVersion, principal.sessionStartedAt);
  }

  async logout(principal: Principal): Promise<void> {
    await this.revocations.revoke(principal.tokenId, principal.tokenExpiresAt);
  }

  /** The caller behind a token as they are now; 401 for a bad, revoked or outdated token, 403 for a refused account. */
  async authenticate(token: string): Promise<Principal> {
    const claims = this.verify(token);
    // One round trip to Redis for both: is the token revoked, and the user's change epoch.
    const [[revokedError, revoked], [epochError, epoch]] = (await this.redis
      .pipeline()
      .exists(this.revocations.revokedKey(claims.jti))
      .get(this.principals.epochKey(claims.sub))
      .exec()) as [[Error | null, number], [Error | null, string | null]];
    if (revokedError || epochError) throw revokedError ?? epochError;
    if (revoked === 1) throw unauthorized('token revoked');
    const user = await this.principals.get(claims.sub, epoch);
    if (!user) throw unauthorized('user no longer exists');
    if (REFUSED_STATUSES.includes(user.status))
      throw forbidden('this account is not approved or is forbidden');
    if (
      claims.ver !== user.tokenVersion &&
      !(await this.revocations.isKeptUnderVersion(claims.jti, user.tokenVersion))
    ) {
      throw unauthorized('session ended by a password change or an account change; log in again');
    }
    if (unixSeconds(new Date()) >= this.sessionEnd(claims.auth_time)) {
      throw unauthorized('session expired; log in again');
    }
    return this.toPrincipal(user, claims);
  }

  answerRepoAccountWith(lookup: RepoAccountLookup): void {
    this.repoAccountLookup = lookup;
  }

  async info(principal: Principal): Promise<AuthorizationInfo> {
    return {
      displayName: principal.userName,
      hasRepoAccount: await this.repoAccountLookup(principal.userId),
      role: principal.role,
      privateProject: this.config.privateProject,
      enableIngress: this.config.enableIngress,
      enableAlert: this.config.enableAlert,
      enableAdminAutoDeploy: this.config.enableAdminAutoDeploy,
    };
  }

  private auditFailedLogin(userName: string, user: UserEntity | null, sourceIp: string, reason: string) {
    return this.auditTrail.recordEvent({
      actor: { userId: user?.id ?? null, userName, sourceIp },
      action: 'auth.login-failed',
      targetType: 'user',
      targetId: user?.id ?? userName,
      businessId: user?.businessId ?? null,
      detail: { reason },
    });
  }

  private verify(token: string): TokenClaims {
    let claims: Partial<TokenClaims>;
    try {
      claims = this.jwt.verify<TokenClaims>(token, { algorithms: ['HS256'] });
    } catch (error) {
      throw unauthorized(
        error instanceof Error && error.name === 'TokenExpiredError' ? 'token expired' : 'invalid token',
      );
    }
    if (!hasSessionClaims(claims)) throw unauthorized('invalid token');
    return claims;
  }

  /** A token never outlives its session: the last one of a session expires at SESSION_MAX_HOURS. */
  private issue(userId: number, tokenVersion: number, sessionStartedAt: number): Promise<string> {
    const iat = unixSeconds(new Date());
    const exp = Math.min(iat + TOKEN_LIFETIME_SECONDS, this.sessionEnd(sessionStartedAt));
    const claims: TokenClaims = {
      sub: userId,
      jti: randomUUID(),
      ver: tokenVersion,
      auth_time: sessionStartedAt,
      iat,
      exp,
    };
    return this.jwt.signAsync(claims);
  }

  private sessionEnd(sessionStartedAt: number): number {
    return sessionStartedAt + this.config.sessionMaxHours * 3600;
  }

  private toPrincipal(user: PrincipalRecord, claims: TokenClaims): Principal {
    return {
      userId: user.id,
      userName: user.userName,
      role: roleOf(user),
      isAdmin: user.isAdmin,
      businessId: user.businessId,
      tokenId: claims.jti,
      tokenExpiresAt: claims.exp,
      tokenVersion: user.tokenVersion,
      sessionStartedAt: claims.auth_time,
    };
  }
}
