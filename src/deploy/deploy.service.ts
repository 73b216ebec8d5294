import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { JsonObject } from '../common/json';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, IsNull, Not, Repository } from 'typeorm';
import { AppService } from '../app/app.service';
import { AppVersion } from '../app/app-version';
import { AuditAction, AuditTargetType } from '../audit/audit-action';
import { AuditTrail } from '../audit/audit-trail.service';
import { BusinessService } from '../business/business.service';
import { ClusterLabelService } from '../cluster/cluster-label.service';
import { businessNamespace, ClusterService } from '../cluster/cluster.service';
import { NodeService } from '../cluster/node.service';
import { Actor } from '../common/auth/actor';
import { Principal, Role } from '../common/auth/principal';
import { conflict, forbidden, invalid, notFound } from '../common/errors';
import { Paged, toPage } from '../common/paging';
import { unixSeconds } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { JobQueueService } from '../queue/job-queue.service';
import { JobName } from '../queue/jobs';
import {
  AuditStatus,
  DeploymentClusterEntity,
  DeploymentEntity,
  DeploymentVersionEntity,
  DeployRequestEntity,
} from './deploy.entity';
import {
  assertMove,
  DeployAction,
  DeployStatus,
  isEditable,
  isLive,
  SETTLED_STATUSES,
} from './deployment-status';
import {
  AuditDeployDto,
  AuditListQuery,
  ChangeVersionDto,
  CreateDeployDto,
  DEPLOY_FIELDS,
  DeploymentView,
  DeployListQuery,
} from './dto';
import { escapeLike } from '../common/list-query';
import { ChartArchiveError } from '../chart/chart-archive';
import { HELM_RELEASE_NAME_MAX } from '../chart/helm-renderer';
import { objectsDiff } from './object-diff';
import { ObjectRenderer } from './object-renderer';

const RUNNING = [DeployStatus.Success, DeployStatus.PartialSuccess];
const LIVE_STATUSES = Object.values(DeployStatus).filter(
  (status): status is DeployStatus => typeof status === 'number' && isLive(status),
);

/** Deployments and their audited requests; the workers do the cluster work (deploy.runner.ts). */
@Injectable()
export class DeployService implements OnModuleInit {
  constructor(
    @InjectRepository(DeploymentEntity) private readonly deployments: Repository<DeploymentEntity>,
    @InjectRepository(DeployRequestEntity) private readonly requests: Repository<DeployRequestEntity>,
    @InjectRepository(DeploymentClusterEntity)
    private readonly placements: Repository<DeploymentClusterEntity>,
    @InjectRepository(DeploymentVersionEntity) private readonly versions: Repository<DeploymentVersionEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly apps: AppService,
    private readonly businesses: BusinessService,
    private readonly clusters: ClusterService,
    private readonly clusterLabels: ClusterLabelService,
    private readonly nodes: NodeService,
    private readonly jobs: JobQueueService,
    private readonly auditTrail: AuditTrail,
    private readonly renderer: ObjectRenderer,
  ) {}

  onModuleInit(): void {
    this.apps.beforeDelete((apps) => this.refuseIfDeployed(apps));
    this.clusterLabels.onLabelsChanged((label) => this.reconcileWhere({ cluster: label }));
    this.clusters.onRegistered(() => this.reconcileWhere({ cluster: 'all' }));
    this.nodes.beforeLabelRemoved((clusterId, label, deleteDeploy) =>
      this.onNodeLabelRemoval(clusterId, label, deleteDeploy),
    );
  }

  async create(principal: Actor, dto: CreateDeployDto): Promise<void> {
    const businessId = this.ownBusiness(principal);
    const app = await this.deployableVersion(businessId, dto.appName, dto.version);
    const values = this.valuesFor(app, dto.values) ?? {};
    if (app.deployType === 'chart' && dto.deployName.length > HELM_RELEASE_NAME_MAX)
      throw invalid(
        `deployName of a chart application has at most ${HELM_RELEASE_NAME_MAX} characters (a Helm release name)`,
      );
    const live = await this.deployments.existsBy({
      businessId,
      deployName: dto.deployName,
      status: In(LIVE_STATUSES),
    });
    if (live) throw conflict(`deployment ${dto.deployName} already exists`);
    const approved = this.autoApproves(principal);
    const requestId = await this.dataSource.transaction(async (manager) => {
      const deployment = await manager.getRepository(DeploymentEntity).save({
        businessId,
        deployName: dto.deployName,
        appName: app.appName,
        version: app.version,
        appId: app.id,
        cluster: dto.cluster,
        nodeLabel: dto.nodeLabel,
        comment: dto.comment,
        deployType: DeployAction.Create,
        status: DeployStatus.Pending,
        errorMessage: '',
        auditComment: '',
        requestId: null,
        rolloutStartedAt: null,
        values: {},
      });
      const request = await this.saveRequest(manager, principal, deployment, DeployAction.Create, app, {
        comment: dto.comment,
        values,
      });
      await manager.getRepository(DeploymentEntity).update(deployment.id, { requestId: request.id });
      if (approved) await this.approveAutomatically(manager, principal, request);
      return request.id;
    });
    if (approved) await this.enqueueRun(requestId);
  }

  async upgrade(principal: Actor, id: number, dto: ChangeVersionDto): Promise<void> {
    const deployment = await this.findVisible(principal, id);
    const app = await this.deployableVersion(deployment.businessId, deployment.appName, dto.version);
    const values = this.valuesFor(app, dto.values) ?? deployment.values;
    // A chart deployment may be upgraded to new values of the version it runs.
    if (app.id === deployment.appId && JSON.stringify(values) === JSON.stringify(deployment.values))
      throw conflict(`deployment ${deployment.deployName} already runs version ${dto.version}`);
    await this.request(principal, deployment, DeployAction.Upgrade, app, { comment: dto.comment, values });
  }

  async rollback(principal: Actor, id: number, dto: ChangeVersionDto): Promise<void> {
    const deployment = await this.findVisible(principal, id);
    const ran = await this.versions.findOneBy({ deploymentId: deployment.id, version: dto.version });
    if (!ran) throw conflict(`deployment ${deployment.deployName} never ran version ${dto.version}`);
    if (dto.version === deployment.version)
      throw conflict(`deployment ${deployment.deployName} already runs version ${dto.version}`);
    const app = await this.deployableVersion(deployment.businessId, deployment.appName, dto.version);
    const values = this.valuesFor(app, dto.values) ?? (await this.valuesRanWith(deployment.id, app.id));
    await this.request(principal, deployment, DeployAction.Rollback, app, { comment: dto.comment, values });
  }

  async deleteById(principal: Actor, id: number): Promise<void> {
    await this.requestDeletion(principal, await this.findVisible(principal, id));
  }

  async deleteByName(principal: Actor, deployName: string): Promise<void> {
    const scope = principal.role === Role.SystemAdmin ? {} : { businessId: this.ownBusiness(principal) };
    const matches = await this.deployments.findBy({ ...scope, deployName, status: In(LIVE_STATUSES) });
    if (matches.length === 0) throw notFound(`deployment ${deployName}`);
    if (matches.length > 1)
      throw conflict(`several businesses have a deployment ${deployName}: delete it by id`);
    await this.requestDeletion(principal, matches[0]);
  }

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

  /** An administrator's decision on a pending request, with a comment. */
  async audit(principal: Actor, dto: AuditDeployDto): Promise<void> {
    const request = await this.requests.findOneBy({ id: dto.id });
    if (!request || (principal.role !== Role.SystemAdmin && request.businessId !== principal.businessId)) {
      throw notFound(`deployment audit ${dto.id}`);
    }
    await this.dataSource.transaction(async (manager) => {
      const locked = await manager
        .getRepository(DeployRequestEntity)
        .findOne({ where: { id: request.id }, lock: { mode: 'pessimistic_write' } });
      if (!locked || locked.auditStatus !== AuditStatus.Pending)
        throw conflict(`deployment audit ${dto.id} was already decided`);
      if (dto.status === AuditStatus.Approved) {
        await this.approve(manager, request.deploymentId, request.id, principal.userId, dto.comment);
      } else {
        await this.disapprove(manager, locked, principal.userId, dto.comment);
      }
      await this.auditTrail.record(manager, {
        actor: principal,
        action: AuditAction.DeployAudit,
        targetType: AuditTargetType.DeployRequest,
        targetId: request.id,
        businessId: request.businessId,
        detail: { deploymentId: request.deploymentId, action: request.action, ...dto },
      });
    });
    if (dto.status === AuditStatus.Approved) await this.enqueueRun(request.id);
  }

  /** Ids of the deployments the workers still owe work to, for the start-up sweep. */
  async inFlight(): Promise<{ deploymentId: number; requestId: number }[]> {
    const rows = await this.deployments.find({
      where: {
        status: In([DeployStatus.Approved, DeployStatus.Processing, DeployStatus.Deploying]),
        requestId: Not(IsNull()),
      },
    });
    return rows.map((row) => ({ deploymentId: row.id, requestId: row.requestId! }));
  }

  private async request(
    principal: Actor,
    deployment: DeploymentEntity,
    action: DeployAction,
    app: AppVersion,
    change: { comment: string; values: JsonObject },
  ): Promise<void> {
    const approved = this.autoApproves(principal);
    const diff =
      action === DeployAction.Upgrade || action === DeployAction.Rollback
        ? await this.changeDiff(deployment, app, change.values)
        : '';
    const requestId = await this.dataSource.transaction(async (manager) => {
      const current = await manager
        .getRepository(DeploymentEntity)
        .findOne({ where: { id: deployment.id }, lock: { mode: 'pessimistic_write' } });
      if (!current || !isEditable(current.status)) {
        throw conflict(
          `deployment ${deployment.deployName} is not editable while a request is pending or running`,
        );
      }
      const request = await this.saveRequest(manager, principal, current, action, app, { ...change, diff });
      assertMove(current.status, DeployStatus.Pending);
      await manager
        .getRepository(DeploymentEntity)
        .update(current.id, { status: DeployStatus.Pending, deployType: action, requestId: request.id });
      if (approved) await this.approveAutomatically(manager, principal, request);
      return request.id;
    });
    if (approved) await this.enqueueRun(requestId);
  }

  private async requestDeletion(principal: Actor, deployment: DeploymentEntity): Promise<void> {
    const app = await this.apps.findById(deployment.appId);
    if (!app) throw notFound(`application version ${deployment.version}`);
    await this.request(principal, deployment, DeployAction.Delete, app, { comment: '', values: {} });
  }

  private saveRequest(
    manager: EntityManager,
    principal: Principal | null,
    deployment: DeploymentEntity,
    action: DeployAction,
    app: AppVersion,
    { comment, values = {}, diff = '' }: { comment: string; values?: JsonObject; diff?: string },
  ): Promise<DeployRequestEntity> {
    return manager.getRepository(DeployRequestEntity).save({
      deploymentId: deployment.id,
      businessId: deployment.businessId,
      action,
      appId: app.id,
      version: app.version,
      requestComment: comment,
      auditStatus: AuditStatus.Pending,
      auditComment: '',
      requesterId: principal?.userId ?? null,
      auditorId: null,
      previousStatus: action === DeployAction.Create ? null : deployment.status,
      previousType: action === DeployAction.Create ? null : deployment.deployType,
      values,
      diff,
    });
  }

  /** ENABLE_ADMIN_AUTO_DEPLOY: an administrator's own request, approved and audited as theirs. */
  private async approveAutomatically(manager: EntityManager, requester: Actor, request: DeployRequestEntity) {
    const comment = 'approved automatically';
    await this.approve(manager, request.deploymentId, request.id, requester.userId, comment);
    await this.auditTrail.record(manager, {
      actor: requester,
      action: AuditAction.DeployAudit,
      targetType: AuditTargetType.DeployRequest,
      targetId: request.id,
      businessId: request.businessId,
      detail: {
        deploymentId: request.deploymentId,
        action: request.action,
        id: request.id,
        status: AuditStatus.Approved,
        comment,
      },
    });
  }

  /** Approval hands the request to the workers: the deployment now targets the request's version. */
  private async approve(
    manager: EntityManager,
    deploymentId: number,
    requestId: number,
    auditorId: number | null,
    comment: string,
  ) {
    const request = await manager.getRepository(DeployRequestEntity).findOneByOrFail({ id: requestId });
    const deployment = await manager.getRepository(DeploymentEntity).findOneByOrFail({ id: deploymentId });
    assertMove(deployment.status, DeployStatus.Approved);
    await manager
      .getRepository(DeployRequestEntity)
      .update(requestId, { auditStatus: AuditStatus.Approved, auditComment: comment, auditorId });
    await manager.getRepository(DeploymentEntity).update(deploymentId, {
      status: DeployStatus.Approved,
      deployType: request.action,
      requestId,
      auditComment: comment,
      ...(request.action === DeployAction.Delete
        ? {}
        : { appId: request.appId, version: request.version, values: request.values }),
    });
    if (request.action !== DeployAction.Delete) {
      await manager.getRepository(DeploymentVersionEntity).save({
        deploymentId,
        requestId,
        appId: request.appId,
        version: request.version,
        action: request.action,
      });
    }
  }

  /** A disapproved new deployment ends; any other request leaves the deployment as it was. */
  private async disapprove(
    manager: EntityManager,
    request: DeployRequestEntity,
    auditorId: number,
    comment: string,
  ) {
    const deployment = await manager
      .getRepository(DeploymentEntity)
      .findOneByOrFail({ id: request.deploymentId });
    const restored =
      request.action === DeployAction.Create ? DeployStatus.Disapproved : request.previousStatus!;
    assertMove(deployment.status, restored);
    await manager
      .getRepository(DeployRequestEntity)
      .update(request.id, { auditStatus: AuditStatus.Disapproved, auditComment: comment, auditorId });
    await manager.getRepository(DeploymentEntity).update(deployment.id, {
      status: restored,
      deployType: request.previousType ?? DeployAction.Create,
      auditComment: comment,
    });
  }

  private enqueueRun(requestId: number): Promise<void> {
    return this.requests
      .findOneByOrFail({ id: requestId })
      .then((request) =>
        this.jobs.enqueue(JobName.DeployConverge, { deploymentId: request.deploymentId, requestId }),
      );
  }

  /**
   * Settled deployments whose target clusters may have changed converge again; a rollout in flight
   * re-reads its targets on every round, so it follows by itself.
   */
  private async reconcileWhere(where: { cluster: string }): Promise<void> {
    const affected = await this.deployments.findBy({
      ...where,
      status: In([DeployStatus.Success, DeployStatus.PartialSuccess, DeployStatus.Failed]),
    });
    const trigger = `reconcile-${Date.now()}`;
    for (const deployment of affected) {
      if (deployment.requestId === null) continue;
      await this.jobs.enqueue(JobName.DeployConverge, {
        deploymentId: deployment.id,
        requestId: deployment.requestId,
        trigger,
      });
    }
  }

  private async onNodeLabelRemoval(clusterId: string, label: string, deleteDeploy: boolean): Promise<void> {
    const placed = await this.placements.findBy({ clusterId });
    if (placed.length === 0) return;
    const targeting = await this.deployments.findBy({
      id: In(placed.map((placement) => placement.deploymentId)),
      nodeLabel: label,
      status: In(LIVE_STATUSES),
    });
    if (targeting.length === 0) return;
    const names = targeting.map((deployment) => deployment.deployName).join(', ');
    if (!deleteDeploy)
      throw conflict(`node label ${label} is used by deployments ${names}; set deleteDeploy to remove them`);
    for (const deployment of targeting) {
      if (!isEditable(deployment.status))
        throw conflict(`deployment ${deployment.deployName} has a request pending or running`);
    }
    for (const deployment of targeting) await this.deleteForNodeLabel(deployment, label);
  }

  /** The platform's own delete request, approved at once: the operator already chose deleteDeploy. */
  private async deleteForNodeLabel(deployment: DeploymentEntity, label: string): Promise<void> {
    const app = await this.apps.findById(deployment.appId);
    if (!app) throw notFound(`application version ${deployment.version}`);
    const reason = `node label ${label} removed with deleteDeploy`;
    const requestId = await this.dataSource.transaction(async (manager) => {
      const request = await this.saveRequest(manager, null, deployment, DeployAction.Delete, app, {
        comment: reason,
      });
      await manager.getRepository(DeploymentEntity).update(deployment.id, { requestId: request.id });
      await this.approve(manager, deployment.id, request.id, null, reason);
      return request.id;
    });
    await this.enqueueRun(requestId);
  }

  private async refuseIfDeployed(apps: AppVersion[]): Promise<void> {
    const ids = apps.map((app) => app.id);
    const inUse = await this.deployments.findBy({ appId: In(ids), status: In(LIVE_STATUSES) });
    const requested = await this.requests.findBy({ appId: In(ids), auditStatus: AuditStatus.Pending });
    if (inUse.length || requested.length) {
      const names = [...new Set(inUse.map((deployment) => deployment.deployName))].join(', ');
      throw conflict(`application version is used by deployments ${names || '(pending requests)'}`);
    }
  }

  /** The values a request gives, refused for applications that are not charts (they have none). */
  private valuesFor(app: AppVersion, values: JsonObject | undefined): JsonObject | undefined {
    if (values !== undefined && app.deployType !== 'chart')
      throw invalid(`values apply to chart applications only; ${app.appName} is a ${app.deployType}`);
    return values;
  }

  /** The values this deployment last ran an application version with, for a rollback to it. */
  private async valuesRanWith(deploymentId: number, appId: number): Promise<JsonObject> {
    const last = await this.requests.findOne({
      where: { deploymentId, appId, auditStatus: AuditStatus.Approved, action: Not(DeployAction.Delete) },
      order: { id: 'DESC' },
    });
    return last?.values ?? {};
  }

  /**
   * What an upgrade or rollback changes, for its audit: the rendered objects of the running version
   * against the requested one. Objects render the same in every target cluster today, so one diff
   * names the clusters it covers.
   */
  private async changeDiff(
    deployment: DeploymentEntity,
    app: AppVersion,
    values: JsonObject,
  ): Promise<string> {
    const running = await this.apps.findById(deployment.appId);
    const target = {
      deployName: deployment.deployName,
      namespace: businessNamespace(deployment.businessId),
      nodeLabel: deployment.nodeLabel,
    };
    const render = async (which: string, version: AppVersion | null, with_: JsonObject) => {
      if (!version) return { label: `${which}: nothing`, objects: [] };
      const label = `${which} ${version.version}`;
      try {
        return { label, objects: await this.renderer.render(version, { ...target, values: with_ }) };
      } catch (error) {
        if (!(error instanceof ChartArchiveError)) throw error;
        return { label: `${label}, which does not render: ${error.message}`, objects: [] };
      }
    };
    const clusters = (await this.clusters.withLabel(deployment.cluster)).map((cluster) => cluster.name);
    const shown =
      clusters.length > 20 ? [...clusters.slice(0, 20), `${clusters.length - 20} more`] : clusters;
    return objectsDiff(
      `${deployment.deployName} on ${shown.join(', ') || 'no cluster yet'}`,
      await render('running', running, deployment.values),
      await render('requested', app, values),
    );
  }

  private autoApproves(principal: Principal): boolean {
    return (
      this.config.enableAdminAutoDeploy &&
      (principal.role === Role.BusinessAdmin || principal.role === Role.SystemAdmin)
    );
  }

  private ownBusiness(principal: Principal): number {
    if (principal.businessId === null) throw forbidden('you do not work in an approved business');
    return principal.businessId;
  }

  private deployableVersion(businessId: number, appName: string, version: string): Promise<AppVersion> {
    return this.apps.deployableVersion(businessId, appName, version);
  }

  private async findVisible(principal: Principal, id: number): Promise<DeploymentEntity> {
    const deployment = await this.deployments.findOneBy({ id });
    if (
      !deployment ||
      (principal.role !== Role.SystemAdmin && deployment.businessId !== principal.businessId)
    ) {
      throw notFound(`deployment ${id}`);
    }
    return deployment;
  }

  private async toViews(rows: DeploymentEntity[]): Promise<DeploymentView[]> {
    const placements = rows.length
      ? await this.placements.find({
          where: { deploymentId: In(rows.map((row) => row.id)) },
          order: { clusterName: 'ASC' },
        })
      : [];
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
      errorMessage: row.errorMessage,
      auditComment: row.auditComment,
      editable: isEditable(row.status),
      createTime: unixSeconds(row.createTime),
      updateTime: unixSeconds(row.updateTime),
      clusters: placements
        .filter((placement) => placement.deploymentId === row.id)
        .map(({ clusterName, status, running, error, total, message }) => ({
          clusterName,
          status,
          running,
          error,
          total,
          message,
        })),
    }));
  }
}
