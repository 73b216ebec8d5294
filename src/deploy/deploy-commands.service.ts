import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, LessThan, Not, Repository } from 'typeorm';
import { AppService } from '../app/app.service';
import { ExternalRepositoryService } from '../registry/external-repository.service';
import { AppVersion } from '../app/app-version';
import { AuditTrail } from '../audit/audit-trail.service';
import { ChartArchiveError } from '../chart/chart-archive';
import { HELM_RELEASE_NAME_MAX } from '../chart/helm-renderer';
import { businessNamespace, ClusterService } from '../cluster/cluster.service';
import { Actor } from '../common/auth/actor';
import { Principal, Role } from '../common/auth/principal';
import { conflict, forbidden, invalid, notFound } from '../common/errors';
import type { JsonObject } from '../common/json';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { OnEvent } from '../events/event-bus';
import type { EventMap } from '../events/event-map';
import {
  AuditStatus,
  DeploymentEntity,
  DeploymentVersionEntity,
  DeployRequestEntity,
  PlacementEntity,
  requestWithPullCredentials,
} from './deploy.entity';
import { DeployQueries } from './deploy-queries.service';
import {
  DeployAction,
  DeployStatus,
  isEditable,
  LIVE_STATUSES,
  predecessorsOf,
  statusName,
} from './deployment-status';
import { AuditDeployDto, ChangeVersionDto, CreateDeployDto } from './dto';
import { objectsDiff } from './object-diff';
import { PlacementStatus } from './placement-status';
import { ObjectRenderer } from './object-renderer';
import { lockedDeployment } from './deployment-lock';
import { Reconciler } from './reconciler.service';

/** What a request asks besides its version: the requester's comment, chart values and, for an audit, the diff. */
interface Change {
  comment: string;
  values?: JsonObject;
  diff?: string;
}

/** An approved request's work, handed to the workers once its transaction has committed. */
interface Approved {
  deploymentId: number;
  placements: { deploymentId: number; clusterId: string }[];
}

/**
 * Deployment requests and their audits: create, upgrade, rollback, delete, approve, disapprove.
 * Every status change is a compare-and-set (`moveDeployment`); approval records the request's
 * placements in the same transaction, and the workers take it from there. Every decision on a
 * request is written to the audit trail in the transaction that makes it.
 */
@Injectable()
export class DeployCommands {
  constructor(
    @InjectRepository(DeploymentEntity) private readonly deployments: Repository<DeploymentEntity>,
    @InjectRepository(DeployRequestEntity) private readonly requests: Repository<DeployRequestEntity>,
    @InjectRepository(DeploymentVersionEntity) private readonly versions: Repository<DeploymentVersionEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly apps: AppService,
    private readonly queries: DeployQueries,
    private readonly reconciler: Reconciler,
    private readonly clusters: ClusterService,
    private readonly auditTrail: AuditTrail,
    private readonly renderer: ObjectRenderer,
    private readonly externalRepositories: ExternalRepositoryService,
  ) {}

  async create(principal: Actor, dto: CreateDeployDto): Promise<void> {
    const businessId = this.ownBusiness(principal);
    const app = await this.apps.deployableVersion(businessId, dto.appName, dto.version);
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
    await this.refuseWhileBeingRemoved(businessId, dto.deployName);
    const approved = this.autoApproves(principal);
    const work = await this.dataSource.transaction(async (manager) => {
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
        values: {},
      });
      const request = await this.saveRequest(manager, principal, deployment, DeployAction.Create, app, {
        comment: dto.comment,
        values,
      });
      await manager.getRepository(DeploymentEntity).update(deployment.id, { requestId: request.id });
      return approved ? this.approveAutomatically(manager, principal, request) : null;
    });
    if (work) await this.reconciler.start(work.deploymentId, work.placements);
  }

  async upgrade(principal: Actor, id: number, dto: ChangeVersionDto): Promise<void> {
    const deployment = await this.queries.findVisible(principal, id);
    const app = await this.apps.deployableVersion(deployment.businessId, deployment.appName, dto.version);
    const values = this.valuesFor(app, dto.values) ?? deployment.values;
    // A chart deployment may be upgraded to new values of the version it runs.
    if (app.id === deployment.appId && JSON.stringify(values) === JSON.stringify(deployment.values))
      throw conflict(`deployment ${deployment.deployName} already runs version ${dto.version}`);
    await this.request(principal, deployment, DeployAction.Upgrade, app, { comment: dto.comment, values });
  }

  async rollback(principal: Actor, id: number, dto: ChangeVersionDto): Promise<void> {
    const deployment = await this.queries.findVisible(principal, id);
    const ran = await this.versions.findOneBy({ deploymentId: deployment.id, version: dto.version });
    if (!ran) throw conflict(`deployment ${deployment.deployName} never ran version ${dto.version}`);
    if (dto.version === deployment.version)
      throw conflict(`deployment ${deployment.deployName} already runs version ${dto.version}`);
    const app = await this.apps.deployableVersion(deployment.businessId, deployment.appName, dto.version);
    const values = this.valuesFor(app, dto.values) ?? (await this.valuesRanWith(deployment.id, app.id));
    await this.request(principal, deployment, DeployAction.Rollback, app, { comment: dto.comment, values });
  }

  async deleteById(principal: Actor, id: number): Promise<void> {
    await this.requestDeletion(principal, await this.queries.findVisible(principal, id));
  }

  async deleteByName(principal: Actor, deployName: string): Promise<void> {
    const scope = principal.role === Role.SystemAdmin ? {} : { businessId: this.ownBusiness(principal) };
    const matches = await this.deployments.findBy({ ...scope, deployName, status: In(LIVE_STATUSES) });
    if (matches.length === 0) throw notFound(`deployment ${deployName}`);
    if (matches.length > 1)
      throw conflict(`several businesses have a deployment ${deployName}: delete it by id`);
    await this.requestDeletion(principal, matches[0]);
  }

  /** An administrator's decision on a pending request, with a comment. */
  async audit(principal: Actor, dto: AuditDeployDto): Promise<void> {
    const request = await this.requests.findOneBy({ id: dto.id });
    if (!request || (principal.role !== Role.SystemAdmin && request.businessId !== principal.businessId)) {
      throw notFound(`deployment audit ${dto.id}`);
    }
    const work = await this.dataSource.transaction(async (manager) => {
      const locked = await manager
        .getRepository(DeployRequestEntity)
        .findOne({ where: { id: request.id }, lock: { mode: 'pessimistic_write' } });
      if (!locked || locked.auditStatus !== AuditStatus.Pending)
        throw conflict(`deployment audit ${dto.id} was already decided`);
      const approved =
        dto.status === AuditStatus.Approved
          ? await this.approve(manager, request.id, principal.userId, dto.comment)
          : await this.disapprove(manager, locked, principal.userId, dto.comment);
      await this.recordAudit(manager, principal, request, { ...dto });
      return approved;
    });
    if (work) await this.reconciler.start(work.deploymentId, work.placements);
    // A deployment waiting for audit does not follow its targets: once a disapproval restores the
    // running request, the label changes it missed meanwhile are followed.
    else if (request.action !== DeployAction.Create) await this.reconciler.followAgain(request.deploymentId);
  }

  /**
   * SPEC §4: removing a node label a live deployment in that cluster targets is 409, unless
   * `deleteDeploy`, which deletes those deployments.
   */
  @OnEvent('node-label.removal-checking')
  async onNodeLabelRemoval({
    clusterId,
    label,
    deleteDeploy,
  }: EventMap['node-label.removal-checking']): Promise<void> {
    const targeting: DeploymentEntity[] = await this.deployments
      .createQueryBuilder('d')
      .innerJoin(PlacementEntity, 'p', 'p.deployment_id = d.id AND p.cluster_id = :clusterId', { clusterId })
      .where('d.node_label = :label AND d.status IN (:...live)', { label, live: LIVE_STATUSES })
      .getMany();
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

  private async request(
    principal: Actor,
    deployment: DeploymentEntity,
    action: DeployAction,
    app: AppVersion,
    change: Change,
  ): Promise<void> {
    const approved = this.autoApproves(principal);
    const diff =
      action === DeployAction.Upgrade || action === DeployAction.Rollback
        ? await this.changeDiff(deployment, app, change.values ?? {})
        : '';
    const work = await this.dataSource.transaction(async (manager) => {
      const current = await lockedDeployment(manager, deployment.id);
      if (!current || !isEditable(current.status)) {
        throw conflict(
          `deployment ${deployment.deployName} is not editable while a request is pending or running`,
        );
      }
      const request = await this.saveRequest(manager, principal, current, action, app, { ...change, diff });
      await moveDeployment(manager, current, DeployStatus.Pending, {
        deployType: action,
        requestId: request.id,
      });
      return approved ? this.approveAutomatically(manager, principal, request) : null;
    });
    if (work) await this.reconciler.start(work.deploymentId, work.placements);
  }

  private async requestDeletion(principal: Actor, deployment: DeploymentEntity): Promise<void> {
    const app = await this.apps.findById(deployment.appId);
    if (!app) throw notFound(`application version ${deployment.version}`);
    await this.request(principal, deployment, DeployAction.Delete, app, { comment: '' });
  }

  /** The platform's own delete request, approved at once: the operator already chose deleteDeploy. */
  private async deleteForNodeLabel(deployment: DeploymentEntity, label: string): Promise<void> {
    const app = await this.apps.findById(deployment.appId);
    if (!app) throw notFound(`application version ${deployment.version}`);
    const reason = `node label ${label} removed with deleteDeploy`;
    const work = await this.dataSource.transaction(async (manager) => {
      const current = await lockedDeployment(manager, deployment.id);
      if (!current || !isEditable(current.status))
        throw conflict(`deployment ${deployment.deployName} has a request pending or running`);
      const request = await this.saveRequest(manager, null, current, DeployAction.Delete, app, {
        comment: reason,
      });
      await manager.getRepository(DeploymentEntity).update(current.id, { requestId: request.id });
      return this.approve(manager, request.id, null, reason);
    });
    await this.reconciler.start(work.deploymentId, work.placements);
  }

  /**
   * A deleted deployment whose objects are still on a cluster keeps its name there: a new deployment of
   * that name would share them. They wait on an offline cluster, which deletes them when it returns, or
   * on one that refused their removal for good (our credentials revoked there, say): nothing retries
   * that, so the answer says what frees the name.
   */
  private async refuseWhileBeingRemoved(businessId: number, deployName: string): Promise<void> {
    const leftover: { cluster_name: string; refused: boolean }[] = await this.dataSource.query(
      `SELECT p.cluster_name, p.status = $4 AS refused FROM deployments d JOIN placements p ON p.deployment_id = d.id
        WHERE d.business_id = $1 AND d.deploy_name = $2 AND d.status = $3 ORDER BY p.cluster_name`,
      [businessId, deployName, DeployStatus.Deleted, PlacementStatus.Failed],
    );
    const names = (refused: boolean) =>
      leftover
        .filter((row) => row.refused === refused)
        .map((row) => row.cluster_name)
        .join(', ');
    const waiting = names(false);
    const refused = names(true);
    if (waiting)
      throw conflict(`deployment ${deployName} is still being removed from offline clusters ${waiting}`);
    if (refused)
      throw conflict(
        `deployment ${deployName} still runs on clusters ${refused}, which refused to remove it; its name is free once those clusters are removed from the platform (force=true)`,
      );
  }

  private async saveRequest(
    manager: EntityManager,
    principal: Principal | null,
    deployment: DeploymentEntity,
    action: DeployAction,
    app: AppVersion,
    { comment, values = {}, diff = '' }: Change,
  ): Promise<DeployRequestEntity> {
    const pullCredentialsSealed =
      action === DeployAction.Delete ? null : await this.pullCredentialsFor(manager, deployment, app);
    return manager.getRepository(DeployRequestEntity).save({
      pullCredentialsSealed,
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

  /**
   * The credentials of the application's external repository for a request to keep (SPEC §11: deleting
   * the repository leaves existing deployments their pull secrets). Once it is gone, a request that pulls
   * from the same repository as the running one keeps the running one's.
   */
  private async pullCredentialsFor(
    manager: EntityManager,
    deployment: DeploymentEntity,
    app: AppVersion,
  ): Promise<string | null> {
    if (!app.repositoryId) return null;
    const live = await this.externalRepositories.sealedPullCredentials(
      deployment.businessId,
      app.repositoryId,
    );
    if (live || deployment.requestId === null) return live;
    const running = await requestWithPullCredentials(
      manager.getRepository(DeployRequestEntity),
      deployment.requestId,
    ).getOne();
    if (!running?.pullCredentialsSealed) return null;
    const runningApp = await this.apps.findById(running.appId);
    return runningApp?.repositoryId === app.repositoryId ? running.pullCredentialsSealed : null;
  }

  /** ENABLE_ADMIN_AUTO_DEPLOY: an administrator's own request, approved and audited as theirs. */
  private async approveAutomatically(
    manager: EntityManager,
    requester: Actor,
    request: DeployRequestEntity,
  ): Promise<Approved> {
    const comment = 'approved automatically';
    const approved = await this.approve(manager, request.id, requester.userId, comment);
    await this.recordAudit(manager, requester, request, {
      id: request.id,
      status: AuditStatus.Approved,
      comment,
    });
    return approved;
  }

  /** The audit trail's entry for a decision on a request, in the transaction that makes it. */
  private recordAudit(
    manager: EntityManager,
    actor: Actor,
    request: DeployRequestEntity,
    decision: { id: number; status: AuditStatus; comment: string },
  ): Promise<void> {
    return this.auditTrail.record(manager, {
      actor,
      action: 'deploy.audit',
      targetType: 'deploy-request',
      targetId: request.id,
      businessId: request.businessId,
      detail: { deploymentId: request.deploymentId, action: request.action, ...decision },
    });
  }

  /**
   * Approval hands the request to the workers: the deployment now targets the request's version, and
   * its placements are pointed at the request in the same transaction.
   */
  private async approve(
    manager: EntityManager,
    requestId: number,
    auditorId: number | null,
    comment: string,
  ): Promise<Approved> {
    const request = await manager.getRepository(DeployRequestEntity).findOneByOrFail({ id: requestId });
    const deployment = await lockedDeployment(manager, request.deploymentId);
    if (!deployment) throw new Error(`deployment ${request.deploymentId} of request ${requestId} is gone`);
    await manager
      .getRepository(DeployRequestEntity)
      .update(requestId, { auditStatus: AuditStatus.Approved, auditComment: comment, auditorId });
    const targetsVersion = request.action !== DeployAction.Delete;
    await moveDeployment(manager, deployment, DeployStatus.Approved, {
      deployType: request.action,
      requestId,
      auditComment: comment,
      ...(targetsVersion ? { appId: request.appId, version: request.version, values: request.values } : {}),
    });
    if (targetsVersion) {
      await manager.getRepository(DeploymentVersionEntity).save({
        deploymentId: deployment.id,
        requestId,
        appId: request.appId,
        version: request.version,
        action: request.action,
      });
    }
    const placements = await this.reconciler.recordPlacements(manager, deployment, request);
    return { deploymentId: deployment.id, placements };
  }

  /**
   * A disapproved new deployment ends; any other request leaves the deployment as it was: its status,
   * action and current request (the last approved one, which its placements still carry), so that the
   * reconciler, the offline catch-up and a later delete work for the version that runs.
   */
  private async disapprove(
    manager: EntityManager,
    request: DeployRequestEntity,
    auditorId: number,
    comment: string,
  ): Promise<null> {
    const deployment = await manager
      .getRepository(DeploymentEntity)
      .findOneByOrFail({ id: request.deploymentId });
    const restored =
      request.action === DeployAction.Create ? DeployStatus.Disapproved : request.previousStatus!;
    await manager
      .getRepository(DeployRequestEntity)
      .update(request.id, { auditStatus: AuditStatus.Disapproved, auditComment: comment, auditorId });
    const running =
      request.action === DeployAction.Create
        ? null
        : await manager.getRepository(DeployRequestEntity).findOne({
            select: { id: true },
            where: {
              deploymentId: deployment.id,
              auditStatus: AuditStatus.Approved,
              id: LessThan(request.id),
            },
            order: { id: 'DESC' },
          });
    await moveDeployment(manager, deployment, restored, {
      deployType: request.previousType ?? DeployAction.Create,
      auditComment: comment,
      ...(running ? { requestId: running.id } : {}),
    });
    return null;
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
   * against the requested one. Objects render the same in every target cluster, so one diff names
   * the clusters it covers.
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
}

/**
 * Compare-and-set of a deployment's status: it moves only from the status and request the caller
 * read, and only from a status the transition table allows before `to` (enforced in the SQL).
 * Zero rows: someone else moved it first, and the caller's request is refused.
 */
async function moveDeployment(
  manager: EntityManager,
  read: DeploymentEntity,
  to: DeployStatus,
  changes: Partial<DeploymentEntity>,
): Promise<void> {
  const result = await manager
    .createQueryBuilder()
    .update(DeploymentEntity)
    .set({ ...changes, status: to })
    .where('id = :id AND status = :from AND status IN (:...allowed)', {
      id: read.id,
      from: read.status,
      allowed: predecessorsOf(to),
    })
    .andWhere('request_id IS NOT DISTINCT FROM :requestId', { requestId: read.requestId })
    .execute();
  if (!result.affected)
    throw conflict(`deployment is ${statusName(read.status)} and cannot become ${statusName(to)}`);
}
