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
import { DeployAction, DeployStatus, isEditable, LIVE_STATUSES, SETTLED_STATUSES } from './deployment-status';
import { AuditListQuery, DEPLOY_FIELDS, DeployListQuery, DeploymentView } from './dto';

const RUNNING = [DeployStatus.Success, DeployStatus.PartialSuccess];

/** What the list shows of a deployment and its placements, times already in Unix seconds. */
const LIST_SELECT = `SELECT d.id, d.deploy_name, d.app_name, d.version, d.cluster, d.node_label, d.comment,
              d.deploy_type, d.status, d.audit_comment,
              floor(extract(epoch FROM d.create_time))::float8 AS create_time,
              floor(extract(epoch FROM d.update_time))::float8 AS update_time,
              p.clusters, p.running, p.error, p.total`;
/** The page's rows with their placements (by the placements' primary key), in cluster-name order. */
const LIST_FROM = `FROM page JOIN deployments d ON d.id = page.id
        CROSS JOIN LATERAL (
          SELECT coalesce(json_agg(json_build_object('clusterName', cluster_name, 'status', status,
                   'running', running, 'error', error, 'total', total, 'message', message,
                   'since', floor(extract(epoch FROM status_since))) ORDER BY cluster_name), '[]') AS clusters,
                 coalesce(sum(running) FILTER (WHERE NOT removing), 0)::int AS running,
                 coalesce(sum(error) FILTER (WHERE NOT removing), 0)::int AS error,
                 coalesce(sum(total) FILTER (WHERE NOT removing), 0)::int AS total
            FROM placements WHERE deployment_id = d.id) p`;

interface ListRow {
  id: number;
  deploy_name: string;
  app_name: string;
  version: string;
  cluster: string;
  node_label: string;
  comment: string;
  deploy_type: DeployAction;
  status: DeployStatus;
  audit_comment: string;
  create_time: number;
  update_time: number;
  clusters: DeploymentView['clusters'];
  running: number;
  error: number;
  total: number;
  total_rows: number;
}

const toListView = (row: ListRow): DeploymentView => ({
  id: row.id,
  deployName: row.deploy_name,
  appName: row.app_name,
  version: row.version,
  cluster: row.cluster,
  nodeLabel: row.node_label,
  comment: row.comment,
  deployType: row.deploy_type,
  status: row.status,
  // SPEC §6: summed over the clusters listed with it (those not being removed).
  errorMessage: JSON.stringify({ running: row.running, error: row.error, total: row.total }),
  auditComment: row.audit_comment,
  editable: isEditable(row.status),
  createTime: row.create_time,
  updateTime: row.update_time,
  clusters: row.clusters,
});

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
    const rows: ListRow[] = await this.deployments.query(
      `WITH page AS (SELECT id FROM deployments ${where} ORDER BY id ${order} LIMIT ${limit} OFFSET ${offset})
       ${LIST_SELECT},
              CASE WHEN count(*) OVER () < ${limit} THEN ${offset}::bigint + count(*) OVER ()
                   ELSE (SELECT count(*) FROM deployments ${where}) END::int AS total_rows
         ${LIST_FROM}
        ORDER BY d.id ${order}`,
      params,
    );
    // Past the end there is no row to carry the total: count on its own.
    const total = rows.length
      ? rows[0].total_rows
      : skip === 0
        ? 0
        : Number(
            (
              await this.deployments.query(
                `SELECT count(*)::int AS total FROM deployments ${where}`,
                params.slice(0, filters),
              )
            )[0].total,
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
    const [row]: (ListRow & { business_id: number })[] = await this.deployments.query(
      `WITH page AS (SELECT id FROM deployments WHERE id = $1)
       ${LIST_SELECT}, d.business_id
         ${LIST_FROM}`,
      [id],
    );
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
