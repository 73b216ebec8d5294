import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { Principal } from '../common/auth/principal';
import { forbidden, unauthorized } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AuthorizationInfo } from './dto';
import { LoginThrottleService } from './login-throttle.service';
import { verifyPassword } from './password';
import { roleOf } from './roles';
import { TokenRevocationService } from './token-revocation.service';
import { UserEntity, UserStatus } from './user.entity';
import { UsersService } from './users.service';

export const TOKEN_LIFETIME_SECONDS = 3600;

export interface TokenClaims {
  sub: number;
  jti: string;
  exp: number;
}

const REFUSED_STATUSES = [UserStatus.NotApproved, UserStatus.Forbidden];

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    private readonly revocations: TokenRevocationService,
    private readonly throttle: LoginThrottleService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async login(userName: string, password: string): Promise<string> {
    await this.throttle.assertAllowed(userName);
    const user = await this.users.findByName(userName);
    if (!user || !(await verifyPassword(password, user.passwordHash))) {
      await this.throttle.recordFailure(userName);
      throw unauthorized('wrong user name or password');
    }
    await this.throttle.reset(userName);
    if (REFUSED_STATUSES.includes(user.status))
      throw forbidden('this account is not approved or is forbidden');
    return this.issue(user.id);
  }

  /** A fresh token for the caller; the presented one stops working at once. */
  async refresh(principal: Principal): Promise<string> {
    const token = await this.issue(principal.userId);
    await this.revocations.revoke(principal.tokenId, principal.tokenExpiresAt);
    return token;
  }

  async logout(principal: Principal): Promise<void> {
    await this.revocations.revoke(principal.tokenId, principal.tokenExpiresAt);
  }

  /** Resolves verified claims to the caller as they are now: a revoked token or a refused account ends here. */
  async principalFor(claims: TokenClaims): Promise<Principal> {
    if (await this.revocations.isRevoked(claims.jti)) throw unauthorized('token revoked');
    const user = await this.users.findById(claims.sub);
    if (!user) throw unauthorized('user no longer exists');
    if (REFUSED_STATUSES.includes(user.status))
      throw forbidden('this account is not approved or is forbidden');
    return this.toPrincipal(user, claims);
  }

  info(principal: Principal): AuthorizationInfo {
    return {
      displayName: principal.userName,
      // No registry accounts exist until the repository capability creates them.
      hasRepoAccount: false,
      role: principal.role,
      privateProject: this.config.privateProject,
      enableIngress: this.config.enableIngress,
      enableAlert: this.config.enableAlert,
      enableAdminAutoDeploy: this.config.enableAdminAutoDeploy,
    };
  }

  private issue(userId: number): Promise<string> {
    return this.jwt.signAsync({ sub: userId, jti: randomUUID() }, { expiresIn: TOKEN_LIFETIME_SECONDS });
  }

  private toPrincipal(user: UserEntity, claims: TokenClaims): Principal {
    return {
      userId: user.id,
      userName: user.userName,
      role: roleOf(user),
      isAdmin: user.isAdmin,
      businessId: user.businessId,
      tokenId: claims.jti,
      tokenExpiresAt: claims.exp,
    };
  }
}
