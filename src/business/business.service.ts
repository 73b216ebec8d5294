import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Brackets, DataSource, In, Repository } from 'typeorm';
import { AuditTrail } from '../audit/audit-trail.service';
import { UsersService } from '../auth/users.service';
import { Actor } from '../common/auth/actor';
import { Principal, Role } from '../common/auth/principal';
import { conflict, forbidden, notFound } from '../common/errors';
import { Paged, toPage } from '../common/paging';
import { unixSeconds } from '../common/time';
import { EventBus } from '../events/event-bus';
import { BusinessEntity } from './business.entity';
import { assertBusinessTransition, BusinessStatus } from './business-status';
import { AuditBusinessDto, BusinessListQuery, BusinessView, CreateBusinessDto } from './dto';
import { escapeLike } from '../common/list-query';

const toView = (business: BusinessEntity): BusinessView => ({
  id: business.id,
  name: business.name,
  userId: business.userId,
  introduce: business.introduce,
  objective: business.objective,
  scale: business.scale,
  comment: business.comment,
  status: business.status,
  createTime: unixSeconds(business.createTime),
  updateTime: unixSeconds(business.updateTime),
});

@Injectable()
export class BusinessService {
  constructor(
    @InjectRepository(BusinessEntity) private readonly businesses: Repository<BusinessEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly auditTrail: AuditTrail,
    private readonly events: EventBus,
  ) {
    users.useBusinessOwnerLookup((businessId) => this.ownerOf(businessId));
  }

  async create(principal: Principal, dto: CreateBusinessDto): Promise<void> {
    if (principal.role === Role.SystemAdmin || !principal.isAdmin || principal.role === Role.Pending) {
      throw forbidden('only an approved administrator user may open a business');
    }
    if (principal.businessId !== null || (await this.liveBusinessOf(principal.userId))) {
      throw conflict('you already have a business');
    }
    if (await this.businesses.existsBy({ name: dto.name }))
      throw conflict(`business "${dto.name}" already exists`);
    await this.businesses.insert({
      ...dto,
      userId: principal.userId,
      comment: '',
      status: BusinessStatus.Pending,
    });
  }

  async list(principal: Principal, query: BusinessListQuery): Promise<Paged<BusinessView>> {
    const builder = this.businesses.createQueryBuilder('b');
    if (principal.role !== Role.SystemAdmin) {
      builder.where(
        new Brackets((own) =>
          own
            .where('b.id = :businessId', { businessId: principal.businessId ?? -1 })
            .orWhere('b.user_id = :userId', {
              userId: principal.userId,
            }),
        ),
      );
    }
    if (query.name)
      builder.andWhere("b.name ILIKE :name ESCAPE '\\'", { name: `%${escapeLike(query.name)}%` });
    const { skip, take } = toPage(query);
    const [rows, total] = await builder
      .orderBy('b.id', query.order === 'desc' ? 'DESC' : 'ASC')
      .skip(skip)
      .take(take)
      .getManyAndCount();
    return { data: rows.map(toView), total };
  }

  async get(principal: Principal, id: number): Promise<BusinessView> {
    const business = await this.businesses.findOneBy({ id });
    const visible =
      business &&
      (principal.role === Role.SystemAdmin ||
        business.id === principal.businessId ||
        business.userId === principal.userId);
    if (!visible) throw notFound(`business ${id}`);
    return toView(business);
  }

  /** A system administrator decides on a pending business; approval makes its owner the business administrator. */
  async audit(actor: Actor, id: number, dto: AuditBusinessDto): Promise<void> {
    const ownerId = await this.dataSource.transaction(async (manager) => {
      const business = await manager
        .getRepository(BusinessEntity)
        .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!business) throw notFound(`business ${id}`);
      assertBusinessTransition(business.status, dto.status);
      await manager.getRepository(BusinessEntity).update(id, { status: dto.status, comment: dto.comment });
      if (dto.status === BusinessStatus.Approved)
        await this.users.assignBusiness(business.userId, id, manager);
      await this.auditTrail.record(manager, {
        actor,
        action: 'business.audit',
        targetType: 'business',
        targetId: id,
        businessId: id,
        detail: { name: business.name, ownerId: business.userId, status: dto.status, comment: dto.comment },
      });
      return business.userId;
    });
    if (dto.status === BusinessStatus.Approved) {
      await this.users.committed(ownerId);
      await this.events.emit('business.approved', { businessId: id });
    }
  }

  /** Ids of every approved business, for work that each of them needs in every cluster. */
  async approvedIds(): Promise<number[]> {
    const rows = await this.businesses.find({
      select: { id: true },
      where: { status: BusinessStatus.Approved },
    });
    return rows.map((row) => row.id);
  }

  async namesByIds(ids: number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.businesses.find({ select: { id: true, name: true }, where: { id: In(ids) } });
    return new Map(rows.map((row) => [row.id, row.name]));
  }

  async idByName(name: string): Promise<number | null> {
    return (await this.businesses.findOne({ select: { id: true }, where: { name } }))?.id ?? null;
  }

  private async ownerOf(businessId: number): Promise<number | null> {
    return (
      (await this.businesses.findOne({ select: { userId: true }, where: { id: businessId } }))?.userId ?? null
    );
  }

  private liveBusinessOf(userId: number): Promise<boolean> {
    return this.businesses.exists({
      where: [
        { userId, status: BusinessStatus.Pending },
        { userId, status: BusinessStatus.Approved },
      ],
    });
  }
}
