import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { BusinessService } from '../business/business.service';
import { Principal, Role } from '../common/auth/principal';
import { conflict, forbidden, notFound } from '../common/errors';
import { escapeLike } from '../common/list-query';
import { Paged, toPage } from '../common/paging';
import { unixSeconds } from '../common/time';
import { OnEvent } from '../events/event-bus';
import type { EventMap } from '../events/event-map';
import { AuditStatus, DeploymentEntity, DeploymentVersionEntity, DeployRequestEntity } from './deploy.entity';
import { DeployStatus, isEditable, LIVE_STATUSES, SETTLED_STATUSES } from './deployment-status';
import { AuditListQuery, DEPLOY_FIELDS, DeployListQuery, DeploymentView } from './dto';
import { PlacementStore } from './placement.store';
import { sumCounts } from './pod-counts';

const RUNNING = [DeployStatus.Success, DeployStatus.PartialSuccess];

/** What deployments and their audits look like to their readers. */
@Injectable()
export class DeployQueries {
  constructor(
    @InjectRepository(DeploymentEntity) private readonly deployments: Repository<DeploymentEntity>,
    @InjectRepository(DeployRequestEntity) private readonly requests: Repository<DeployRequestEntity>,
    @InjectRepository(DeploymentVersionEntity) private readonly versions: Repository<DeploymentVersionEntity>,
    private readonly placements: PlacementStore,
    private readonly businesses: BusinessService,
  ) {}

  async list(principal: Principal, query: DeployListQuery): Promise<Paged<Partial<DeploymentView>>> {
    const builder = this.deployments
      .createQueryBuilder('d')
      .orderBy('d.id', query.order === 'desc' ? 'DESC' : 'ASC');
    if (principal.role !== Role.SystemAdmin)
      builder.where('d.business_id = :businessId', { businessId: this.ownBusiness(principal) });
    if (query.appName) {
      const pattern = {
        strict: query.appName,
        partial: `%${escapeLike(query.appName)}%`,
        prefix: `${escapeLike(query.appName)}%`,
      };
      builder.andWhere(
        query.appNameMode === 'strict' ? 'd.app_name = :appName' : "d.app_name LIKE :appName ESCAPE '\\'",
        {
          appName: pattern[query.appNameMode],
        },
      );
    }
    const editable = SETTLED_STATUSES;
    if (query.editable === 'true') builder.andWhere('d.status IN (:...editable)', { editable });
    if (query.editable === 'false') builder.andWhere('d.status NOT IN (:...editable)', { editable });
    if (query.running === 'true') builder.andWhere('d.status IN (:...running)', { running: RUNNING });
    const { skip, take } = toPage(query);
    const [rows, total] = await builder.skip(skip).take(take).getManyAndCount();
    const views = await this.toViews(rows);
    const fields = query.field?.length ? query.field : DEPLOY_FIELDS;
    return {
      data: views.map((view) => Object.fromEntries(fields.map((field) => [field, view[field]]))),
      total,
    };
  }

  async get(principal: Principal, id: number, withHistory: boolean) {
    const deployment = await this.findVisible(principal, id);
    const [view] = await this.toViews([deployment]);
    if (!withHistory) return view;
    const history = await this.versions.find({ where: { deploymentId: id }, order: { id: 'DESC' } });
    return {
      ...view,
      historyVersion: history.map((entry) => ({
        version: entry.version,
        deployType: entry.action,
        createTime: unixSeconds(entry.createTime),
      })),
    };
  }

  async audits(principal: Principal, query: AuditListQuery) {
    const where: Record<string, unknown> = {};
    if (principal.role !== Role.SystemAdmin) where.businessId = this.ownBusiness(principal);
    if (query.businessName) {
      const businessId = await this.businesses.idByName(query.businessName);
      if (businessId === null || (where.businessId !== undefined && where.businessId !== businessId))
        return { data: [], total: 0 };
      where.businessId = businessId;
    }
    const [rows, total] = await this.requests.findAndCount({
      where,
      order: { id: query.order ?? 'desc' },
      ...toPage(query),
    });
    const deployments = await this.deployments.findBy({ id: In(rows.map((row) => row.deploymentId)) });
    const byId = new Map(deployments.map((deployment) => [deployment.id, deployment]));
    const names = await this.businesses.namesByIds([...new Set(rows.map((row) => row.businessId))]);
    const data = rows.map((row) => ({
      id: row.id,
      businessName: names.get(row.businessId) ?? '',
      appName: byId.get(row.deploymentId)?.appName ?? '',
      version: row.version,
      cluster: byId.get(row.deploymentId)?.cluster ?? '',
      deployId: row.deploymentId,
      deployName: byId.get(row.deploymentId)?.deployName ?? '',
      deployType: row.action,
      status: row.auditStatus,
      comment: row.auditComment,
      diff: row.diff,
      createTime: unixSeconds(row.createTime),
      updateTime: unixSeconds(row.updateTime),
    }));
    return { data, total };
  }

  /** An application version that a live deployment runs, or a pending request names, stays. */
  @OnEvent('app.deletion-checking')
  async refuseIfDeployed({ apps }: EventMap['app.deletion-checking']): Promise<void> {
    const ids = apps.map((app) => app.id);
    const inUse = await this.deployments.findBy({ appId: In(ids), status: In(LIVE_STATUSES) });
    const requested = await this.requests.findBy({ appId: In(ids), auditStatus: AuditStatus.Pending });
    if (inUse.length || requested.length) {
      const names = [...new Set(inUse.map((deployment) => deployment.deployName))].join(', ');
      throw conflict(`application version is used by deployments ${names || '(pending requests)'}`);
    }
  }

  async findVisible(principal: Principal, id: number): Promise<DeploymentEntity> {
    const deployment = await this.deployments.findOneBy({ id });
    if (
      !deployment ||
      (principal.role !== Role.SystemAdmin && deployment.businessId !== principal.businessId)
    ) {
      throw notFound(`deployment ${id}`);
    }
    return deployment;
  }

  private ownBusiness(principal: Principal): number {
    if (principal.businessId === null) throw forbidden('you do not work in an approved business');
    return principal.businessId;
  }

  private async toViews(rows: DeploymentEntity[]): Promise<DeploymentView[]> {
    const placements = await this.placements.ofDeployments(rows.map((row) => row.id));
    const own = (deploymentId: number) =>
      placements.filter((placement) => placement.deploymentId === deploymentId);
    return rows.map((row) => ({
      id: row.id,
      deployName: row.deployName,
      appName: row.appName,
      version: row.version,
      cluster: row.cluster,
      nodeLabel: row.nodeLabel,
      comment: row.comment,
      deployType: row.deployType,
      status: row.status,
      // SPEC §6: summed over the clusters listed with it, so the two always agree.
      errorMessage: JSON.stringify(sumCounts(own(row.id).filter((placement) => !placement.removing))),
      auditComment: row.auditComment,
      editable: isEditable(row.status),
      createTime: unixSeconds(row.createTime),
      updateTime: unixSeconds(row.updateTime),
      clusters: own(row.id).map(({ clusterName, status, running, error, total, message, statusSince }) => ({
        clusterName,
        status,
        running,
        error,
        total,
        message,
        since: unixSeconds(statusSince),
      })),
    }));
  }
}
