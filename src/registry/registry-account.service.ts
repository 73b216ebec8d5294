import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuthService } from '../auth/auth.service';
import { LoginThrottleService } from '../auth/login-throttle.service';
import { hashPassword, verifyPassword } from '../auth/password';
import { UserStatus } from '../auth/user.entity';
import { UsersService } from '../auth/users.service';
import { Principal } from '../common/auth/principal';
import { conflict, notFound, unauthorized } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { grantAccess, parseScopes, projectOf } from './registry-access';
import { IssuedToken, RegistryTokenService } from './registry-token.service';
import { RegistryAccountEntity } from './registry.entity';
import { RegistryService } from './registry.service';

const REFUSED_STATUSES = [UserStatus.NotApproved, UserStatus.Forbidden];

/** Registry accounts (SPEC §11) and the token service that turns them into registry rights. */
@Injectable()
export class RegistryAccountService {
  /** Compared against for an unknown name, so that it costs as much as a wrong password. */
  private noAccountHash?: Promise<string>;

  constructor(
    @InjectRepository(RegistryAccountEntity) private readonly accounts: Repository<RegistryAccountEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly registry: RegistryService,
    private readonly tokens: RegistryTokenService,
    private readonly throttle: LoginThrottleService,
    auth: AuthService,
  ) {
    // GET /v1/authorization's hasRepoAccount is answered here, where the accounts are.
    auth.answerRepoAccountWith((userId) => this.hasAccount(userId));
  }

  hasAccount(userId: number): Promise<boolean> {
    return this.accounts.existsBy({ userId });
  }

  async create(principal: Principal, accountName: string, password: string): Promise<void> {
    this.registry.requireRegistry();
    if (await this.hasAccount(principal.userId)) throw conflict('you already have a registry account');
    if (await this.accounts.existsBy({ accountName }))
      throw conflict(`registry account "${accountName}" already exists`);
    await this.accounts.insert({
      userId: principal.userId,
      accountName,
      passwordHash: await hashPassword(password, this.config.bcryptRounds),
    });
  }

  async changePassword(principal: Principal, password: string): Promise<void> {
    this.registry.requireRegistry();
    const result = await this.accounts.update(
      { userId: principal.userId },
      { passwordHash: await hashPassword(password, this.config.bcryptRounds) },
    );
    if (!result.affected) throw notFound('registry account');
  }

  /**
   * `GET /service/token`: HTTP Basic with a registry account; the token grants what SPEC §11 allows of
   * the requested scopes and leaves the rest out. The catalog is never granted here: the platform signs
   * its own tokens for its own calls.
   */
  async issueToken(
    authorization: string | undefined,
    scopes: string[],
    clientAddress: string,
  ): Promise<IssuedToken> {
    const registry = this.registry.requireRegistry();
    const credentials = parseBasic(authorization);
    if (!credentials) throw unauthorized('registry account credentials (HTTP Basic) are required');
    // Guessing a registry password is a login like any other, limited the same way.
    const attempt = { userName: `registry:${credentials.user}`, address: clientAddress };
    await this.throttle.begin(attempt);
    const account = await this.accounts.findOneBy({ accountName: credentials.user });
    const matches = await verifyPassword(
      credentials.password,
      account?.passwordHash ?? (await this.unknownAccountHash()),
    );
    if (!account || !matches) throw unauthorized('wrong registry user name or password');
    await this.throttle.succeeded(attempt);
    const user = await this.users.findById(account.userId);
    if (!user || REFUSED_STATUSES.includes(user.status))
      throw unauthorized('this registry account belongs to no approved platform user');
    const requested = parseScopes(scopes);
    const rights = await this.registry.projectRights(requested.map((scope) => projectOf(scope.name)));
    const access = grantAccess(requested, user.businessId, (name) => rights.get(name));
    return this.tokens.sign(registry, account.accountName, access);
  }

  private unknownAccountHash(): Promise<string> {
    return (this.noAccountHash ??= hashPassword(randomUUID(), this.config.bcryptRounds));
  }
}

function parseBasic(header: string | undefined): { user: string; password: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
