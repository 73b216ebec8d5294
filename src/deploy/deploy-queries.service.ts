import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { BusinessService } from '../business/business.service';
import { Principal, Role } from '../common/auth/principal';
import { conflict, forbidden, notFound } from '../common/errors';
import { escapeLike } from '../common/list-query';
import { preparedQuery } from '../database/prepared-query';
import { Paged, toPage } from '../common/paging';
import { unixSeconds } from '../common/time';
import { OnEvent } from '../events/event-bus';
import type { EventMap } from '../events/event-map';
import { AuditStatus, DeploymentEntity, DeploymentVersionEntity, DeployRequestEntity } from './deploy.entity';
import { countStatement, ListRow, listStatement, oneStatement, toListView } from './deploy-list';
import { DeployStatus, LIVE_STATUSES, SETTLED_STATUSES } from './deployment-status';
import { AuditListQuery, DEPLOY_FIELDS, DeployListQuery, DeploymentView } from './dto';

const RUNNING = [DeployStatus.Success, DeployStatus.PartialSuccess];

/** What deployments and their audits look like to their readers. */
@Injectable()
export class DeployQueries {
  constructor(
    @InjectRepository(DeploymentEntity) private readonly deployments: Repository<DeploymentEntity>,
    @InjectRepository(DeployRequestEntity) private readonly requests: Repository<DeployRequestEntity>,
    @InjectRepository(DeploymentVersionEntity) private readonly versions: Repository<DeploymentVersionEntity>,
    private readonly businesses: BusinessService,
  ) {}

  /**
   * One statement per page (SPEC §6): the page's ids from the index on (business_id, id) (an index-only
   * scan when no filter needs other columns), then only the columns the answer shows, each row's
   * placements as one JSON array with their pod counts summed, and the total. The total is counted only
   * when the page is full; a short page ends the list, so its offset plus its length is the total.
   * Prepared (its texts are the filters' few combinations), so that PostgreSQL does not parse it again
   * for every page.
   */
  async list(principal: Principal, query: DeployListQuery): Promise<Paged<Partial<DeploymentView>>> {
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const conditions: string[] = [];
    if (principal.role !== Role.SystemAdmin)
      conditions.push(`business_id = ${param(this.ownBusiness(principal))}`);
    if (query.appName) {
      conditions.push(
        query.appNameMode === 'strict'
          ? `app_name = ${param(query.appName)}`
          : `app_name LIKE ${param(
              query.appNameMode === 'prefix'
                ? `${escapeLike(query.appName)}%`
                : `%${escapeLike(query.appName)}%`,
            )} ESCAPE '\\'`,
      );
    }
    if (query.editable === 'true') conditions.push(`status = ANY(${param(SETTLED_STATUSES)})`);
    if (query.editable === 'false') conditions.push(`status <> ALL(${param(SETTLED_STATUSES)})`);
    if (query.running === 'true') conditions.push(`status = ANY(${param(RUNNING)})`);
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const order = query.order === 'desc' ? 'DESC' : 'ASC';
    const { skip, take } = toPage(query);
    const filters = params.length;
    const [limit, offset] = [param(take), param(skip)];
    const statement = listStatement(where, order, limit, offset);
    const { rows } = await preparedQuery<ListRow>(this.deployments.manager, statement, params);
    // Past the end there is no row to carry the total: count on its own.
    const total = rows.length
      ? rows[0].total_rows
      : skip === 0
        ? 0
        : Number(
            (await preparedQuery(this.deployments.manager, countStatement(where), params.slice(0, filters)))
              .rows[0].total,
          );
    const fields = query.field?.length ? query.field : DEPLOY_FIELDS;
    return {
      data: rows.map((row) => {
        const view = toListView(row);
        return fields === DEPLOY_FIELDS
          ? view
          : Object.fromEntries(fields.map((field) => [field, view[field]]));
      }),
      total,
    };
  }

  /**
   * One statement, as a page of the list is read: only the columns the answer shows, the placements
   * as one JSON array built by PostgreSQL (no entity per cluster: a client polling a deployment over
   * a thousand clusters costs the database a scan of its placements and the API one JSON parse).
   */
  async get(principal: Principal, id: number, withHistory: boolean) {
    const [row]: (ListRow & { business_id: number })[] = await this.deployments.query(oneStatement(), [id]);
    if (!row || (principal.role !== Role.SystemAdmin && row.business_id !== principal.businessId))
      throw notFound(`deployment ${id}`);
    const view = toListView(row);
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
}
