import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { businessScope, Principal } from '../common/auth/principal';
import { MAX_ROW_ID } from '../common/id.pipe';
import { Paged, toPage } from '../common/paging';
import { unixSeconds } from '../common/time';
import { retryOnTransientConflict } from '../common/transient-conflict';
import type { AuditAction, AuditDetail, AuditTargetType } from './audit-action';
import { AuditLogEntity } from './audit-log.entity';
import { AuditListQuery } from './dto';

export interface AuditEntry {
  /** Who acted; a failed login names the user it tried (id null when no such user exists). */
  actor: { userId: number | null; userName: string; sourceIp: string };
  action: AuditAction;
  targetType: AuditTargetType;
  targetId: string | number;
  /** The business the target belongs to: its administrators see the entry. Null: platform-wide. */
  businessId: number | null;
  /** What was decided or changed; never a secret (no password, token or kubeconfig). */
  detail?: AuditDetail;
}

export interface AuditView {
  id: number;
  time: number;
  actorId: number | null;
  actorName: string;
  action: string;
  targetType: string;
  targetId: string;
  detail: AuditDetail;
  sourceIp: string;
}

const toView = (row: AuditLogEntity): AuditView => ({
  id: Number(row.id),
  time: unixSeconds(row.time),
  actorId: row.actorId,
  actorName: row.actorName,
  action: row.action,
  targetType: row.targetType,
  targetId: row.targetId,
  detail: row.detail,
  sourceIp: row.sourceIp,
});

/**
 * Who decided what, from where. An entry is written in the transaction of the change it records, so
 * a change that rolls back leaves no entry and a recorded change cannot go missing.
 */
@Injectable()
export class AuditTrail {
  constructor(
    @InjectRepository(AuditLogEntity) private readonly entries: Repository<AuditLogEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Records inside the caller's transaction (`manager` is the transaction's EntityManager). */
  async record(manager: EntityManager, entry: AuditEntry): Promise<void> {
    await manager.getRepository(AuditLogEntity).insert({
      actorId: entry.actor.userId,
      actorName: entry.actor.userName,
      action: entry.action,
      targetType: entry.targetType,
      targetId: String(entry.targetId),
      detail: entry.detail ?? {},
      sourceIp: entry.actor.sourceIp,
      businessId: entry.businessId,
    });
  }

  /** Runs a change and records it in one transaction, for services that had none around the change. */
  recordWith<T>(entry: AuditEntry, change: (manager: EntityManager) => Promise<T>): Promise<T> {
    return retryOnTransientConflict(() =>
      this.dataSource.transaction(async (manager) => {
        const result = await change(manager);
        await this.record(manager, entry);
        return result;
      }),
    );
  }

  /** Records an event that changes nothing else (a failed login). */
  recordEvent(entry: AuditEntry): Promise<void> {
    return this.record(this.dataSource.manager, entry);
  }

  /** Newest first; system administrators see every entry, others only their business's. */
  async list(principal: Principal, query: AuditListQuery): Promise<Paged<AuditView>> {
    const builder = this.entries.createQueryBuilder('a');
    const scope = businessScope(principal);
    if (scope !== 'all') builder.andWhere('a.business_id = :businessId', { businessId: scope ?? -1 });
    if (query.action) builder.andWhere('a.action = :action', { action: query.action });
    if (query.actorId !== undefined) {
      // An id beyond the id column is no user's (and PostgreSQL would refuse to compare it).
      if (query.actorId > MAX_ROW_ID) return { data: [], total: 0 };
      builder.andWhere('a.actor_id = :actorId', { actorId: query.actorId });
    }
    if (query.since !== undefined) builder.andWhere('a.time >= to_timestamp(:since)', { since: query.since });
    // Times are kept to the microsecond and shown in whole seconds: `until` takes in all of its second.
    if (query.until !== undefined)
      builder.andWhere('a.time < to_timestamp(:after)', { after: query.until + 1 });
    const { skip, take } = toPage(query);
    const [rows, total] = await builder
      .orderBy('a.time', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .skip(skip)
      .take(take)
      .getManyAndCount();
    return { data: rows.map(toView), total };
  }
}
