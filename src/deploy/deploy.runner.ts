import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { KubernetesObject } from '@kubernetes/client-node';
import { Repository } from 'typeorm';
import { AppService } from '../app/app.service';
import { AppVersion } from '../app/app-version';
import { ClusterEntity } from '../cluster/cluster.entity';
import { ClusterConnector } from '../cluster/cluster-connector.service';
import { businessNamespace, ClusterService } from '../cluster/cluster.service';
import { forEachLimited } from '../common/concurrency';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { kube, KubeError } from '../kube/kube-error';
import { createOrReplace, deleteIfExists, objectRef } from '../kube/object-applier';
import { ExternalRepositoryService } from '../registry/external-repository.service';
import {
  AppliedObject,
  DeploymentClusterEntity,
  DeploymentEntity,
  DeployRequestEntity,
  SoftwareDeploymentEntity,
} from './deploy.entity';
import { assertMove, DeployAction, DeployStatus, isEditable } from './deployment-status';
import { clusterFailed, clusterSucceeded, countPods, PodCounts, sumCounts } from './pod-counts';
import { INSTANCE_LABEL } from './workload';
import { ChartArchiveError } from '../chart/chart-archive';
import { ReleaseService } from '../release/release.service';
import { maskSecrets } from '../release/release-values';
import { ObjectRenderer } from './object-renderer';

/** Clusters worked on at once by one deployment. */
const CLUSTER_CONCURRENCY = 16;

type SoftwareAction = 'CREATE' | 'UPDATE' | 'ROLLBACK' | 'DELETE';

enum PlacementState {
  Pending = 'pending',
  Applied = 'applied',
  Running = 'running',
  Failed = 'failed',
  Unreachable = 'unreachable',
  Deleting = 'deleting',
}

interface Run {
  deployment: DeploymentEntity;
  request: DeployRequestEntity;
  app: AppVersion;
  namespace: string;
  /** The objects every target cluster gets, rendered once per run (a chart is a Helm process each time). */
  objects?: Promise<KubernetesObject[]>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MAX_RETRY_DELAY_MS = 30_000;

/** Per-cluster exponential back-off for clusters that do not answer. */
class Backoff {
  private readonly next = new Map<string, { at: number; delay: number }>();

  constructor(private readonly initialMs: number) {}

  due(key: string): boolean {
    return (this.next.get(key)?.at ?? 0) <= Date.now();
  }

  failed(key: string): void {
    const delay = Math.min((this.next.get(key)?.delay ?? this.initialMs / 2) * 2, MAX_RETRY_DELAY_MS);
    this.next.set(key, { at: Date.now() + delay, delay });
  }

  reset(key: string): void {
    this.next.delete(key);
  }
}

/**
 * Carries a deployment's current request out on its clusters. Every step is written to the
 * database before the next one starts, and every step can run again, so a worker killed anywhere
 * is replaced by one that finishes the job without duplicate objects or records.
 */
@Injectable()
export class DeployRunner {
  private readonly logger = new Logger(DeployRunner.name);

  constructor(
    @InjectRepository(DeploymentEntity) private readonly deployments: Repository<DeploymentEntity>,
    @InjectRepository(DeployRequestEntity) private readonly requests: Repository<DeployRequestEntity>,
    @InjectRepository(DeploymentClusterEntity)
    private readonly placements: Repository<DeploymentClusterEntity>,
    @InjectRepository(SoftwareDeploymentEntity)
    private readonly records: Repository<SoftwareDeploymentEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly apps: AppService,
    private readonly clusters: ClusterService,
    private readonly connector: ClusterConnector,
    private readonly externalRepositories: ExternalRepositoryService,
    private readonly renderer: ObjectRenderer,
    private readonly releases: ReleaseService,
  ) {}

  async converge(deploymentId: number, requestId: number, reconcile: boolean): Promise<void> {
    const run = await this.start(deploymentId, requestId, reconcile);
    if (!run) return;
    const targets = await this.targetsOf(run);
    await forEachLimited(targets, CLUSTER_CONCURRENCY, (cluster) => this.applyTo(run, cluster));
    if (run.deployment.status === DeployStatus.Processing) {
      await this.move(run.deployment, DeployStatus.Deploying);
    }
    await this.watch(run);
  }

  /** The last attempt failed on a fault of ours: the deployment says so instead of hanging in flight. */
  async markInternalError(deploymentId: number, requestId: number, reason: string): Promise<void> {
    const deployment = await this.deployments.findOneBy({ id: deploymentId });
    if (!deployment || deployment.requestId !== requestId || isEditable(deployment.status)) return;
    await this.move(deployment, DeployStatus.InternalError, { errorMessage: reason });
  }

  private async start(deploymentId: number, requestId: number, reconcile: boolean): Promise<Run | null> {
    const deployment = await this.deployments.findOneBy({ id: deploymentId });
    // A newer request supersedes this one; a settled deployment has nothing left to do unless reconciling.
    if (!deployment || deployment.requestId !== requestId) return null;
    if (deployment.status === DeployStatus.Approved || (reconcile && isEditable(deployment.status))) {
      await this.move(deployment, DeployStatus.Processing, { rolloutStartedAt: new Date() });
    } else if (
      deployment.status !== DeployStatus.Processing &&
      deployment.status !== DeployStatus.Deploying
    ) {
      return null;
    }
    const request = await this.requests.findOneByOrFail({ id: requestId });
    const app = await this.apps.findById(deployment.appId);
    if (!app)
      throw new Error(`application version ${deployment.appId} of deployment ${deployment.id} is gone`);
    return { deployment, request, app, namespace: businessNamespace(deployment.businessId) };
  }

  private async applyTo(run: Run, cluster: ClusterEntity): Promise<void> {
    const placement = await this.placements.findOneByOrFail({
      deploymentId: run.deployment.id,
      clusterId: cluster.id,
    });
    if (placement.appliedRequestId === run.request.id) return;
    const action = this.softwareAction(run.request.action, placement);
    const record = await this.record(run, cluster.id, action);
    await this.beginRelease(run, cluster.id);
    const created: KubernetesObject[] = [];
    try {
      run.objects ??= this.renderer.render(run.app, {
        deployName: run.deployment.deployName,
        namespace: run.namespace,
        nodeLabel: run.deployment.nodeLabel,
        values: run.deployment.values,
        pullCredentials: run.app.repositoryId
          ? await this.externalRepositories.pullSecretFor(run.deployment.businessId, run.app.repositoryId)
          : null,
      });
      const objects = await run.objects;
      const clients = this.connector.clientsFor(cluster);
      await this.clusters.ensureNamespaceIn(cluster, run.deployment.businessId);
      const lines: string[] = [];
      for (const object of objects) {
        lines.push(`${objectRef(object)} ${await createOrReplace(clients.objects, object)}`);
        created.push(object);
      }
      for (const stale of this.staleObjects(placement.objects, objects)) {
        lines.push(`${objectRef(stale)} ${await deleteIfExists(clients.objects, stale)}`);
      }
      await this.placements.update(
        { deploymentId: run.deployment.id, clusterId: cluster.id },
        {
          appliedRequestId: run.request.id,
          objects: objects.map(toApplied),
          status: PlacementState.Applied,
          message: '',
        },
      );
      await this.records.update(record.id, {
        outputValues: {
          ...record.outputValues,
          deploy_stdout: `${lines.join('\n')}\n`,
          deploy_status_code: 0,
        },
        statusReason: 'applied, waiting for pods',
      });
      await this.releases.deployed(run.request.id, cluster.id);
    } catch (error) {
      if (!(error instanceof KubeError) && !(error instanceof ChartArchiveError)) throw error;
      // Objects applied before the cluster refused one are the deployment's too: a delete removes them.
      if (created.length > 0) {
        const earlier = this.staleObjects(placement.objects, created);
        await this.placements.update(
          { deploymentId: run.deployment.id, clusterId: cluster.id },
          { objects: [...earlier, ...created].map(toApplied) },
        );
      }
      const reason = await this.noteFailure(run, cluster.id, record, error);
      if (!error.transient) await this.releases.failed(run.request.id, cluster.id, reason);
    }
  }

  /** A chart application's apply is a new revision of its Helm release in the cluster (SPEC §8). */
  private async beginRelease(run: Run, clusterId: string): Promise<void> {
    const chart = await this.renderer.chartOf(run.app);
    if (!chart) return;
    await this.releases.begin({
      businessId: run.deployment.businessId,
      deploymentId: run.deployment.id,
      clusterId,
      requestId: run.request.id,
      name: run.deployment.deployName,
      namespace: run.namespace,
      appId: run.app.id,
      chartName: chart.name,
      chartVersion: chart.version,
      values: run.deployment.values,
      rollback: run.request.action === DeployAction.Rollback,
    });
  }

  /**
   * The clusters the request targets now, each with its placement row. Read again on every round of
   * the watch, so that clusters gaining or losing the label while the rollout runs are followed too.
   */
  private async targetsOf(run: Run): Promise<ClusterEntity[]> {
    const targets =
      run.request.action === DeployAction.Delete ? [] : await this.clusters.withLabel(run.deployment.cluster);
    if (targets.length === 0) return targets;
    await this.placements
      .createQueryBuilder()
      .insert()
      .values(
        targets.map((cluster) => ({
          deploymentId: run.deployment.id,
          clusterId: cluster.id,
          clusterName: cluster.name,
          appliedRequestId: null,
          objects: [],
          status: PlacementState.Pending,
          running: 0,
          error: 0,
          total: 0,
          message: '',
        })),
      )
      .orIgnore()
      .execute();
    return targets;
  }

  private async watch(run: Run): Promise<void> {
    const deadline =
      (run.deployment.rolloutStartedAt ?? new Date()).getTime() + this.config.deployTimeoutSeconds * 1000;
    const retries = new Backoff(this.config.deployPollMilliseconds);
    for (;;) {
      const current = await this.deployments.findOneBy({ id: run.deployment.id });
      // A newer request took over this deployment; its own run carries on from here.
      if (!current || current.requestId !== run.request.id) return;
      const targets = await this.targetsOf(run);
      const targetIds = new Set(targets.map((cluster) => cluster.id));
      const placements = await this.placements.findBy({ deploymentId: run.deployment.id });
      await forEachLimited(
        placements.filter((placement) => !targetIds.has(placement.clusterId)),
        CLUSTER_CONCURRENCY,
        (placement) => this.removeFrom(run, placement),
      );
      const counts = new Map<string, PodCounts>();
      await forEachLimited(targets, CLUSTER_CONCURRENCY, async (cluster) => {
        const placement = placements.find((row) => row.clusterId === cluster.id);
        const applied = placement?.appliedRequestId === run.request.id;
        if (!applied && placement?.status === PlacementState.Failed) {
          // The cluster refused the objects; trying again cannot help, so it counts as failed.
          counts.set(cluster.id, { running: 0, error: 1, total: 1 });
          return;
        }
        if (!applied) {
          if (!retries.due(cluster.id)) return;
          await this.applyTo(run, cluster);
        }
        const observed = await this.observe(run, cluster);
        if (observed) {
          counts.set(cluster.id, observed);
          retries.reset(cluster.id);
        } else {
          retries.failed(cluster.id);
        }
      });
      const total = sumCounts([...counts.values()]);
      const errorMessage = JSON.stringify(total);
      const remaining = await this.placements.countBy({ deploymentId: run.deployment.id });
      if (run.request.action === DeployAction.Delete && remaining === 0) {
        await this.move(run.deployment, DeployStatus.Deleted, {
          errorMessage: JSON.stringify({ running: 0, error: 0, total: 0 }),
        });
        return;
      }
      const succeeded = targets.filter(
        (cluster) => counts.has(cluster.id) && clusterSucceeded(counts.get(cluster.id)!),
      );
      const failed = targets.filter(
        (cluster) => counts.has(cluster.id) && clusterFailed(counts.get(cluster.id)!),
      );
      // No cluster carries the target label: nothing can ever run there, so waiting for the deadline only
      // hides the failure (a cluster that gains the label later reconciles the failed deployment).
      const noTargets = targets.length === 0 && remaining === 0;
      const settled =
        noTargets ||
        (remaining === targets.length &&
          succeeded.length + failed.length === targets.length &&
          targets.length > 0);
      if (settled || Date.now() >= deadline) {
        await this.finish(run, targets, new Set(succeeded.map((cluster) => cluster.id)), errorMessage);
        return;
      }
      if (run.deployment.errorMessage !== errorMessage) {
        await this.deployments.update(run.deployment.id, { errorMessage });
        run.deployment.errorMessage = errorMessage;
      }
      await sleep(this.config.deployPollMilliseconds);
    }
  }

  /** Reads the pods of this deployment's current version in one cluster; null while it does not answer. */
  private async observe(run: Run, cluster: ClusterEntity): Promise<PodCounts | null> {
    const where = { deploymentId: run.deployment.id, clusterId: cluster.id };
    const placement = await this.placements.findOneBy(where);
    if (!placement || placement.appliedRequestId !== run.request.id) return null;
    try {
      const { core } = this.connector.clientsFor(cluster);
      const pods = await kube(() =>
        core.listNamespacedPod({
          namespace: run.namespace,
          labelSelector: `${INSTANCE_LABEL}=${run.deployment.deployName}`,
        }),
      );
      const counts = countPods(pods.items, run.app.version);
      const status = clusterSucceeded(counts)
        ? PlacementState.Running
        : clusterFailed(counts)
          ? PlacementState.Failed
          : PlacementState.Applied;
      const message = clusterFailed(counts) ? this.podProblems(pods.items) : '';
      if (
        placement.status !== status ||
        placement.running !== counts.running ||
        placement.error !== counts.error ||
        placement.total !== counts.total ||
        placement.message !== message
      ) {
        await this.placements.update(where, { ...counts, status, message });
      }
      return counts;
    } catch (error) {
      if (!(error instanceof KubeError)) throw error;
      await this.placements.update(where, { status: PlacementState.Unreachable, message: error.message });
      return null;
    }
  }

  private async removeFrom(run: Run, placement: DeploymentClusterEntity): Promise<void> {
    const cluster = await this.clusters.findById(placement.clusterId);
    const where = { deploymentId: run.deployment.id, clusterId: placement.clusterId };
    if (!cluster) {
      await this.placements.delete(where);
      return;
    }
    const record = await this.record(run, cluster.id, 'DELETE');
    await this.releases.uninstalling(run.deployment.id, cluster.id);
    try {
      const { objects } = this.connector.clientsFor(cluster);
      const lines: string[] = [];
      for (const object of placement.objects.map(fromApplied(run.namespace))) {
        lines.push(`${objectRef(object)} ${await deleteIfExists(objects, object)}`);
      }
      await this.records.update(record.id, {
        status: 'COMPLETE',
        statusReason: 'deleted',
        outputValues: {
          ...record.outputValues,
          deploy_stdout: `${lines.join('\n')}\n`,
          deploy_status_code: 0,
          result: 'deleted',
        },
      });
      await this.placements.delete(where);
      await this.releases.uninstalled(run.deployment.id, cluster.id);
    } catch (error) {
      if (!(error instanceof KubeError)) throw error;
      await this.placements.update(where, { status: PlacementState.Deleting, message: error.message });
      await this.noteFailure(run, cluster.id, record, error, PlacementState.Deleting);
    }
  }

  private async finish(
    run: Run,
    targets: ClusterEntity[],
    succeeded: Set<string>,
    errorMessage: string,
  ): Promise<void> {
    const status =
      run.request.action === DeployAction.Delete
        ? DeployStatus.Failed
        : succeeded.size === targets.length && targets.length > 0
          ? DeployStatus.Success
          : succeeded.size > 0
            ? DeployStatus.PartialSuccess
            : DeployStatus.Failed;
    for (const cluster of targets) {
      const ok = succeeded.has(cluster.id);
      const placement = await this.placements.findOneBy({
        deploymentId: run.deployment.id,
        clusterId: cluster.id,
      });
      await this.records
        .createQueryBuilder()
        .update()
        .set({
          status: ok ? 'COMPLETE' : 'FAILED',
          statusReason: ok
            ? 'all pods running'
            : placement?.message || 'pods not running before the deadline',
          outputValues: () =>
            `output_values || jsonb_build_object('result', ${ok ? "'running'" : "'not running'"}, 'deploy_status_code', ${ok ? 0 : 1})`,
        })
        .where('request_id = :requestId AND cluster_id = :clusterId AND status = :inProgress', {
          requestId: run.request.id,
          clusterId: cluster.id,
          inProgress: 'IN_PROGRESS',
        })
        .execute();
    }
    await this.move(run.deployment, status, { errorMessage });
  }

  private async record(
    run: Run,
    clusterId: string,
    action: SoftwareAction,
  ): Promise<SoftwareDeploymentEntity> {
    await this.records
      .createQueryBuilder()
      .insert()
      .values({
        businessId: run.deployment.businessId,
        deploymentId: run.deployment.id,
        requestId: run.request.id,
        clusterId,
        configId: String(run.app.id),
        action,
        inputValues: {
          deployName: run.deployment.deployName,
          namespace: run.namespace,
          appName: run.app.appName,
          version: run.app.version,
          image: run.app.image,
          nodeLabel: run.deployment.nodeLabel,
          ...(run.app.deployType === 'chart' ? { values: maskSecrets(run.deployment.values) } : {}),
        },
        outputValues: { deploy_stdout: '', deploy_stderr: '', deploy_status_code: 0, result: '' },
        status: 'IN_PROGRESS',
        statusReason: 'started',
      })
      .orIgnore()
      .execute();
    return this.records.findOneByOrFail({ requestId: run.request.id, clusterId, action });
  }

  /** Records why a cluster's apply failed and returns that reason as recorded. */
  private async noteFailure(
    run: Run,
    clusterId: string,
    record: SoftwareDeploymentEntity,
    error: { message: string; transient: boolean; withRejection?: string },
    state = error.transient ? PlacementState.Unreachable : PlacementState.Failed,
  ): Promise<string> {
    // A cluster's reason for refusing an object (KubeError.withRejection) goes into the records too.
    const reason = error.withRejection ?? error.message;
    this.logger.warn(`deployment ${run.deployment.deployName} on cluster ${clusterId}: ${reason}`);
    await this.placements.update(
      { deploymentId: run.deployment.id, clusterId },
      { status: state, message: reason },
    );
    const stderr = `${record.outputValues.deploy_stderr}${new Date().toISOString()} ${reason}\n`;
    await this.records.update(record.id, {
      outputValues: { ...record.outputValues, deploy_stderr: stderr, deploy_status_code: 1 },
      ...(error.transient
        ? { statusReason: `retrying: ${reason}` }
        : { status: 'FAILED', statusReason: reason }),
    });
    return reason;
  }

  private softwareAction(action: DeployAction, placement: DeploymentClusterEntity): SoftwareAction {
    if (placement.appliedRequestId === null) return 'CREATE';
    return action === DeployAction.Rollback ? 'ROLLBACK' : 'UPDATE';
  }

  private staleObjects(previous: AppliedObject[], current: KubernetesObject[]): KubernetesObject[] {
    const namespace = current[0]?.metadata?.namespace ?? '';
    const keep = new Set(
      current.map((object) => `${object.apiVersion}/${object.kind}/${object.metadata?.name}`),
    );
    return previous
      .filter((object) => !keep.has(`${object.apiVersion}/${object.kind}/${object.name}`))
      .map(fromApplied(namespace));
  }

  private podProblems(
    pods: {
      metadata?: { name?: string };
      status?: { containerStatuses?: { state?: { waiting?: { reason?: string } } }[]; phase?: string };
    }[],
  ): string {
    const reasons = pods.flatMap((pod) =>
      (pod.status?.containerStatuses ?? [])
        .map((status) => status.state?.waiting?.reason)
        .filter((reason): reason is string => Boolean(reason))
        .map((reason) => `${pod.metadata?.name}: ${reason}`),
    );
    return [...new Set(reasons)].slice(0, 5).join('; ');
  }

  private async move(
    deployment: DeploymentEntity,
    to: DeployStatus,
    changes: Partial<DeploymentEntity> = {},
  ): Promise<void> {
    assertMove(deployment.status, to);
    await this.deployments.update(deployment.id, { status: to, ...changes });
    Object.assign(deployment, { status: to, ...changes });
  }
}

const toApplied = (object: KubernetesObject): AppliedObject => ({
  apiVersion: object.apiVersion!,
  kind: object.kind!,
  name: object.metadata!.name!,
});

const fromApplied =
  (namespace: string) =>
  (object: AppliedObject): KubernetesObject => ({
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: { name: object.name, namespace },
  });
