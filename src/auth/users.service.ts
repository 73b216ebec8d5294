import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Principal, Role } from '../common/auth/principal';
import { conflict, forbidden, invalid, notFound } from '../common/errors';
import { Paged, toPage } from '../common/paging';
import { unixSeconds } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AuditUserDto, CreateUserDto, UserListQuery, UserView } from './dto';
import { hashPassword, PASSWORD_RULE, verifyPassword } from './password';
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

const ORDER_COLUMNS = { id: 'id', user_name: 'userName' } as const;

/** Users and their accounts; the API other modules use to read or attach users. */
@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async register(dto: CreateUserDto): Promise<void> {
    await this.insert(dto, { status: UserStatus.Pending, businessId: null });
  }

  /** A sub-user is approved at once and works in the creator's business. */
  async createSubUser(creator: Principal, dto: CreateUserDto): Promise<void> {
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

  async audit(userId: number, dto: AuditUserDto): Promise<void> {
    const user = await this.findOrFail(userId);
    if (user.isSystemAdmin) throw forbidden('system administrators are not audited');
    await this.users.update(user.id, { status: dto.status });
  }

  async delete(principal: Principal, userId: number): Promise<void> {
    const user = await this.findManaged(principal, userId);
    if (user.id === principal.userId) throw forbidden('you cannot delete yourself');
    if (user.isSystemAdmin) throw forbidden('system administrators cannot be deleted');
    await this.users.delete(user.id);
  }

  async resetPassword(principal: Principal, userId: number, password: string): Promise<void> {
    const user = await this.findManaged(principal, userId);
    if (user.isSystemAdmin && user.id !== principal.userId) {
      throw forbidden("another system administrator's password cannot be reset");
    }
    await this.setPassword(user.id, password);
  }

  async changeOwnPassword(principal: Principal, oldPassword: string, password: string): Promise<void> {
    const user = await this.findOrFail(principal.userId);
    if (!(await verifyPassword(oldPassword, user.passwordHash))) throw invalid('oldPassword does not match');
    await this.setPassword(user.id, password);
  }

  findByName(userName: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ userName });
  }

  findById(id: number): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  /** Makes the user a member of an approved business, inside the caller's transaction. */
  async assignBusiness(userId: number, businessId: number, manager: EntityManager): Promise<void> {
    await manager.getRepository(UserEntity).update(userId, { businessId });
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

  private async setPassword(userId: number, password: string): Promise<void> {
    await this.users.update(userId, { passwordHash: await hashPassword(password, this.config.bcryptRounds) });
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
