import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { AuditAction, AuditDetail } from '../audit/audit-action';
import { AuditEntry, AuditTrail } from '../audit/audit-trail.service';
import { Actor } from '../common/auth/actor';
import { Principal, Role } from '../common/auth/principal';
import { conflict, forbidden, invalid, notFound } from '../common/errors';
import { Paged, toPage } from '../common/paging';
import { unixSeconds } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AccountActor, refusalToChangeAccount, refusalToCreateAdmin } from './account-rules';
import { AuditUserDto, CreateUserDto, UserListQuery, UserView } from './dto';
import { LoginThrottleService } from './login-throttle.service';
import { hashPassword, PASSWORD_RULE, verifyPassword } from './password';
import { PrincipalCache } from './principal-cache.service';
import { TokenRevocationService } from './token-revocation.service';
import { UserEntity, UserStatus } from './user.entity';

const toView = (user: UserEntity): UserView => ({
  id: user.id,
  user: user.userName,
  status: user.status,
  realName: user.realName,
  phone: user.phone,
  isAdmin: user.isAdmin,
  businessId: user.businessId,
  createTime: unixSeconds(user.createTime),
  updateTime: unixSeconds(user.updateTime),
});

const auditEntry = (
  actor: Actor,
  action: AuditAction,
  user: UserEntity,
  detail: AuditDetail = {},
): AuditEntry => ({
  actor,
  action,
  targetType: 'user',
  targetId: user.id,
  businessId: user.businessId,
  detail: { user: user.userName, ...detail },
});

const ORDER_COLUMNS = { id: 'id', user_name: 'userName' } as const;
const REFUSED_STATUSES = [UserStatus.NotApproved, UserStatus.Forbidden];

/** The owner (businesses.user_id) of a business, as the business module knows it. */
export type BusinessOwnerLookup = (businessId: number) => Promise<number | null>;

/** Users and their accounts; the API other modules use to read or attach users. */
@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);
  private businessOwnerOf: BusinessOwnerLookup = () => {
    throw new Error('no business owner lookup registered');
  };

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly auditTrail: AuditTrail,
    private readonly throttle: LoginThrottleService,
    private readonly revocations: TokenRevocationService,
    private readonly principals: PrincipalCache,
  ) {}

  /** The business module tells who owns a business; the owner's account has rules of its own (SPEC §12). */
  useBusinessOwnerLookup(lookup: BusinessOwnerLookup): void {
    this.businessOwnerOf = lookup;
  }

  async register(dto: CreateUserDto, clientAddress: string): Promise<void> {
    await this.throttle.countRegistration(clientAddress);
    await this.insert(dto, { status: UserStatus.Pending, businessId: null });
  }

  /** A sub-user is approved at once and works in the creator's business. */
  async createSubUser(creator: Principal, dto: CreateUserDto): Promise<void> {
    if (dto.isAdmin) {
      const refusal = refusalToCreateAdmin(await this.actor(creator));
      if (refusal) throw forbidden(refusal);
    }
    await this.insert(dto, { status: UserStatus.Approved, businessId: creator.businessId });
  }

  async list(principal: Principal, query: UserListQuery): Promise<Paged<UserView>> {
    const [rows, total] = await this.users.findAndCount({
      where: principal.role === Role.SystemAdmin ? {} : { businessId: principal.businessId ?? -1 },
      order: { [ORDER_COLUMNS[query.orderBy ?? 'id']]: query.order ?? 'asc' },
      ...toPage(query),
    });
    return { data: rows.map(toView), total };
  }

  async audit(actor: Actor, userId: number, dto: AuditUserDto): Promise<void> {
    const user = await this.findOrFail(userId);
    if (user.isSystemAdmin) throw forbidden('system administrators are not audited');
    // Refusing an account also ends its sessions for good: approving it again does not revive them.
    const endsSessions = REFUSED_STATUSES.includes(dto.status);
    await this.auditTrail.recordWith(
      auditEntry(actor, 'user.audit', user, { from: user.status, status: dto.status }),
      async (manager) => {
        const result = await manager.getRepository(UserEntity).update(user.id, {
          status: dto.status,
          ...(endsSessions && { tokenVersion: () => 'token_version + 1' }),
        });
        // Deleted meanwhile: 404 inside the transaction, so that no entry records a change that did not happen.
        if (!result.affected) throw notFound(`user ${user.id}`);
      },
    );
    await this.principals.invalidate(user.id);
  }

  async delete(principal: Actor, userId: number): Promise<void> {
    const user = await this.findManaged(principal, userId);
    if (user.id === principal.userId) throw forbidden('you cannot delete yourself');
    if (user.isSystemAdmin) throw forbidden('system administrators cannot be deleted');
    await this.assertMayChange(principal, user);
    await this.auditTrail.recordWith(auditEntry(principal, 'user.delete', user), async (manager) => {
      // Of two deletes at once, the second finds no row: 404, and one entry only.
      if (!(await manager.getRepository(UserEntity).delete(user.id)).affected)
        throw notFound(`user ${user.id}`);
    });
    await this.principals.invalidate(user.id);
  }

  /** Ends every session of the user; one who resets their own password keeps the session they did it from. */
  async resetPassword(principal: Actor, userId: number, password: string): Promise<void> {
    const user = await this.findManaged(principal, userId);
    await this.assertMayChange(principal, user);
    await this.setPassword(principal, 'user.password-reset', user, password);
  }

  /** Ends every other session of the caller; the one they changed it from stays valid. */
  async changeOwnPassword(principal: Actor, oldPassword: string, password: string): Promise<void> {
    const user = await this.findOrFail(principal.userId);
    if (!(await verifyPassword(oldPassword, user.passwordHash))) throw invalid('oldPassword does not match');
    await this.setPassword(principal, 'user.password-change', user, password);
  }

  findByName(userName: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ userName });
  }

  findById(id: number): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  /** Makes the user a member of an approved business, inside the caller's transaction; see `committed`. */
  async assignBusiness(userId: number, businessId: number, manager: EntityManager): Promise<void> {
    await manager.getRepository(UserEntity).update(userId, { businessId });
  }

  /** After a transaction that changed the user through this service commits: their next request sees it. */
  async committed(userId: number): Promise<void> {
    await this.principals.invalidate(userId);
  }

  /** Creates the first system administrator from ADMIN_USER/ADMIN_PASSWORD when there is none. */
  async ensureSystemAdmin(): Promise<void> {
    if (await this.users.existsBy({ isSystemAdmin: true })) return;
    const { adminUser, adminPassword } = this.config;
    if (!adminPassword) {
      this.logger.warn('no system administrator exists and ADMIN_PASSWORD is not set; none was created');
      return;
    }
    if (!PASSWORD_RULE.test(adminPassword)) {
      throw new Error(
        'ADMIN_PASSWORD must be 8-20 characters with an upper-case letter, a lower-case letter and a digit',
      );
    }
    await this.users
      .createQueryBuilder()
      .insert()
      .values({
        userName: adminUser,
        passwordHash: await hashPassword(adminPassword, this.config.bcryptRounds),
        realName: 'System administrator',
        phone: '',
        isAdmin: true,
        isSystemAdmin: true,
        status: UserStatus.Approved,
        businessId: null,
      })
      // Replicas starting together race here; the unique user name keeps exactly one.
      .orIgnore()
      .execute();
    this.logger.log(`system administrator "${adminUser}" created`);
  }

  private async insert(dto: CreateUserDto, fields: Pick<UserEntity, 'status' | 'businessId'>): Promise<void> {
    if (await this.users.existsBy({ userName: dto.user }))
      throw conflict(`user "${dto.user}" already exists`);
    await this.users.insert({
      userName: dto.user,
      passwordHash: await hashPassword(dto.password, this.config.bcryptRounds),
      realName: dto.realName,
      phone: dto.phone,
      isAdmin: dto.isAdmin,
      isSystemAdmin: false,
      ...fields,
    });
  }

  /** A new password and a new token version: tokens issued before stop working, except the changer's own. */
  private async setPassword(changer: Actor, action: AuditAction, user: UserEntity, password: string) {
    const passwordHash = await hashPassword(password, this.config.bcryptRounds);
    // A user deleted meanwhile is 404 inside the transaction, so that no entry records the change.
    const tokenVersion = await this.auditTrail.recordWith(
      auditEntry(changer, action, user),
      async (manager) => {
        const result = await manager
          .getRepository(UserEntity)
          .createQueryBuilder()
          .update()
          .set({ passwordHash, tokenVersion: () => 'token_version + 1' })
          .where('id = :userId', { userId: user.id })
          .returning('token_version')
          .execute();
        const rows = result.raw as { token_version: number }[];
        if (rows.length === 0) throw notFound(`user ${user.id}`);
        return rows[0].token_version;
      },
    );
    if (changer.userId === user.id) {
      await this.revocations.keepUnderVersion(changer.tokenId, tokenVersion, changer.tokenExpiresAt);
    }
    await this.principals.invalidate(user.id);
  }

  /** The caller as the account rules see them: whether they own the business they administer. */
  private async actor(principal: Principal): Promise<AccountActor> {
    const isOwner =
      principal.role === Role.BusinessAdmin &&
      principal.businessId !== null &&
      (await this.businessOwnerOf(principal.businessId)) === principal.userId;
    return { id: principal.userId, role: principal.role, isOwner };
  }

  private async assertMayChange(principal: Principal, user: UserEntity): Promise<void> {
    const owner = user.businessId === null ? null : await this.businessOwnerOf(user.businessId);
    const refusal = refusalToChangeAccount(await this.actor(principal), {
      id: user.id,
      isAdmin: user.isAdmin,
      isSystemAdmin: user.isSystemAdmin,
      isOwner: owner === user.id,
    });
    if (refusal) throw forbidden(refusal);
  }

  private async findOrFail(id: number): Promise<UserEntity> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw notFound(`user ${id}`);
    return user;
  }

  /** A business administrator manages only the users of their own business; others answer 404. */
  private async findManaged(principal: Principal, id: number): Promise<UserEntity> {
    const user = await this.findOrFail(id);
    if (principal.role !== Role.SystemAdmin && user.businessId !== principal.businessId)
      throw notFound(`user ${id}`);
    return user;
  }
}
