import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { ClusterService } from '../cluster/cluster.service';
import { conflict } from '../common/errors';
import { OnEvent } from '../events/event-bus';
import type { EventMap } from '../events/event-map';
import { JobQueueService } from '../queue/job-queue.service';
import { JobName, JOBS, placementJobId } from '../queue/jobs';
import { DeploymentEntity, DeployRequestEntity } from './deploy.entity';
import { DeployAction, DeployStatus, isEditable, isInFlight } from './deployment-status';
import { lockedDeployment } from './deployment-lock';
import { PlacementStore, TargetCluster } from './placement.store';
import { StatusRollup } from './status-rollup.service';

type PlacementRef = { deploymentId: number; clusterId: string };

/** The deployment a reconciliation read, compared again (under the row lock) before it writes. */
export interface ReconcileRead {
  deployment: DeploymentEntity;
}

/**
 * Keeps placements following their targets: records them when a request is approved, follows
 * cluster labels and registrations, forgets a removed cluster's, and makes sure every placement
 * that owes work has a live job (after approval, when a cluster answers again, and every minute).
 */
@Injectable()
export class Reconciler {
  private readonly logger = new Logger(Reconciler.name);

  constructor(
    @InjectRepository(DeploymentEntity) private readonly deployments: Repository<DeploymentEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly placements: PlacementStore,
    private readonly rollup: StatusRollup,
    private readonly clusters: ClusterService,
    private readonly jobs: JobQueueService,
  ) {}

  /**
   * The clusters a deployment goes to: those carrying its target label (`all` or empty: every one), read
   * in the caller's transaction.
   */
  async targetsOf(
    manager: EntityManager,
    deployment: Pick<DeploymentEntity, 'cluster'>,
  ): Promise<TargetCluster[]> {
    return (await this.clusters.withLabel(deployment.cluster, manager)).map(({ id, name }) => ({ id, name }));
  }

  /**
   * In the approval's transaction: the request's placements. A delete removes the deployment from
   * every cluster; anything else goes to the current targets and leaves the others.
   */
  async recordPlacements(
    manager: EntityManager,
    deployment: DeploymentEntity,
    request: DeployRequestEntity,
  ): Promise<PlacementRef[]> {
    const targets = request.action === DeployAction.Delete ? [] : await this.targetsOf(manager, deployment);
    const clusterIds = await this.placements.retarget(manager, {
      deploymentId: deployment.id,
      requestId: request.id,
      targets,
    });
    return clusterIds.map((clusterId) => ({ deploymentId: deployment.id, clusterId }));
  }

  /** After the approval's commit: one job per placement; with none, the roll-up settles it at once. */
  async start(deploymentId: number, placements: PlacementRef[]): Promise<void> {
    await this.jobs.enqueueMany(JobName.PlacementApply, placements);
    if (placements.length === 0) await this.rollup.rollUpNow(deploymentId);
  }

  @OnEvent('cluster.labels-changed')
  async onLabelsChanged({ label }: EventMap['cluster.labels-changed']): Promise<void> {
    await this.reconcileWhere({ cluster: label });
  }

  @OnEvent('cluster.registered')
  async onRegistered(): Promise<void> {
    await this.reconcileWhere({ cluster: In(['all', '']) });
  }

  /**
   * SPEC §4: 409 naming the live deployments placed there, unless forced; the deployments placed there are
   * rolled up once the cluster is gone (onClusterRemoved).
   */
  @OnEvent('cluster.removal-checking')
  async onClusterRemoval({
    clusterId,
    clusterName,
    force,
    manager,
    placed,
  }: EventMap['cluster.removal-checking']): Promise<void> {
    const rows: { id: number; deploy_name: string; live: boolean }[] = await manager.query(
      `SELECT DISTINCT d.id, d.deploy_name, d.status NOT IN ($2, $3) AS live
         FROM placements p JOIN deployments d ON d.id = p.deployment_id
        WHERE p.cluster_id = $1 ORDER BY d.deploy_name`,
      [clusterId, DeployStatus.Disapproved, DeployStatus.Deleted],
    );
    const live = rows.filter((row) => row.live);
    if (live.length > 0 && !force) {
      const names = live.map((row) => row.deploy_name).join(', ');
      throw conflict(`cluster ${clusterName} runs deployments ${names}; remove them first or use force=true`);
    }
    placed.push(...rows.map((row) => row.id));
  }

  /** The deployments that were placed on a removed cluster: their records there finished, rolled up without it. */
  @OnEvent('cluster.removed')
  async onClusterRemoved({ deploymentIds }: EventMap['cluster.removed']): Promise<void> {
    await this.placements.supersedeOrphanedRecords(deploymentIds);
    await this.rollup.rollUpAll(deploymentIds);
  }

  /**
   * A cluster answered a sync: work it owes (never applied, offline, or a removal) gets a live job at
   * once, including a retry that is backing off, so the cluster converges within a sync period.
   */
  async resume(clusterId: string): Promise<void> {
    await this.ensureJobs(await this.placements.owedOn(clusterId));
  }

  /**
   * Every minute: approved work without a live job gets one (an enqueue lost after a commit, a job
   * that gave up), placements past their deadline are settled, records no placement holds any more are
   * finished, and deployments in flight are rolled up.
   */
  async repair(): Promise<void> {
    await this.ensureJobs(await this.placements.owed());
    await this.placements.supersedeOrphanedRecords();
    for (const placement of await this.placements.pastDeadline()) {
      await this.jobs.enqueue(JobName.PlacementDeadline, {
        deploymentId: placement.deploymentId,
        clusterId: placement.clusterId,
        requestId: placement.requestId!,
        dueAt: placement.rolloutDeadlineAt!.getTime(),
      });
    }
    const inFlight = await this.deployments.findBy({
      status: In([DeployStatus.Approved, DeployStatus.Processing, DeployStatus.Deploying]),
    });
    await this.rollup.rollUpAll(inFlight.map((deployment) => deployment.id));
  }

  /** Follows the deployment's targets as they are now (a deployment back from waiting for audit). */
  async followAgain(deploymentId: number): Promise<void> {
    const deployment = await this.deployments.findOneBy({ id: deploymentId });
    if (deployment?.requestId != null) await this.follow({ deployment });
  }

  /** Follows the targets of every settled or in-flight deployment matching `where`. */
  private async reconcileWhere(where: Partial<Record<'cluster', unknown>>): Promise<void> {
    const affected = await this.deployments.findBy(where as object);
    for (const deployment of affected) {
      if (deployment.requestId === null || !(isEditable(deployment.status) || isInFlight(deployment.status)))
        continue;
      await this.follow({ deployment });
    }
  }

  /**
   * Puts the deployment's placements on its targets as they are now, unless it moved on since `read`
   * (another request, or it waits for audit): then the newer request's own placements stand and this
   * reconciliation stops. The targets are read under the deployment's lock, so that of two
   * reconciliations of one deployment (a label added, then removed) the later reads the later labels.
   */
  async follow({ deployment }: ReconcileRead): Promise<void> {
    const changed = await this.dataSource.transaction(async (manager) => {
      const current = await lockedDeployment(manager, deployment.id);
      const live = current && (isEditable(current.status) || isInFlight(current.status));
      if (!live || current.requestId !== deployment.requestId) return null;
      const request = await manager
        .getRepository(DeployRequestEntity)
        .findOneByOrFail({ id: current.requestId! });
      if (request.action === DeployAction.Delete) return null;
      const targets = await this.targetsOf(manager, current);
      return this.placements.follow(manager, { deploymentId: current.id, requestId: request.id, targets });
    });
    if (changed === null) {
      this.logger.log(`deployment ${deployment.deployName} moved on before its reconciliation; skipped`);
      return;
    }
    await this.ensureJobs(changed.map((clusterId) => ({ deploymentId: deployment.id, clusterId })));
    await this.rollup.rollUp(deployment.id);
  }

  /**
   * A live job for each placement: a waiting one is left alone, a delayed one (backing off from an
   * outage) runs now, and a job id that finished or failed is removed so the id can be added again.
   */
  private async ensureJobs(placements: PlacementRef[]): Promise<void> {
    const queue = this.jobs.queue(JOBS[JobName.PlacementApply].queue);
    const missing: PlacementRef[] = [];
    for (const placement of placements) {
      const job = await queue.getJob(placementJobId(placement.deploymentId, placement.clusterId));
      const state = job ? await job.getState() : 'unknown';
      if (state === 'delayed')
        await job!.promote().catch(() => undefined); // it may have just started
      else if (state === 'completed' || state === 'failed') {
        await job!.remove().catch(() => undefined);
        missing.push(placement);
      } else if (state === 'unknown') missing.push(placement);
    }
    await this.jobs.enqueueMany(JobName.PlacementApply, missing);
  }
}
