import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { V1Pod } from '@kubernetes/client-node';
import { In, Repository } from 'typeorm';
import { AppService } from '../app/app.service';
import { ClusterConnector } from '../cluster/cluster-connector.service';
import { ClusterService } from '../cluster/cluster.service';
import { OnEvent } from '../events/event-bus';
import type { EventMap } from '../events/event-map';
import { kube, KubeError, notKubernetes } from '../kube/kube-error';
import { DeploymentEntity, PlacementEntity } from './deploy.entity';
import { podProblems } from './placement-applier.service';
import { PlacementStatus } from './placement-status';
import { PlacementStore } from './placement.store';
import { clusterFailed, clusterSucceeded, countPods, expectedPods } from './pod-counts';
import { Reconciler } from './reconciler.service';
import { StatusRollup } from './status-rollup.service';
import { INSTANCE_LABEL } from './workload';

const MANAGED_PODS = 'app.kubernetes.io/managed-by=ote-stack';
const OBSERVED = [PlacementStatus.Applied, PlacementStatus.Running, PlacementStatus.Failed];

/**
 * Status flows from the clusters: on every cluster sync that the cluster answers, the work it owes
 * resumes, and ONE list of the pods the platform manages there (all namespaces) updates every
 * placement in that cluster. The cost per sync period grows with clusters, not clusters × deployments.
 */
@Injectable()
export class PlacementObserver {
  constructor(
    @InjectRepository(DeploymentEntity) private readonly deployments: Repository<DeploymentEntity>,
    private readonly placements: PlacementStore,
    private readonly rollup: StatusRollup,
    private readonly reconciler: Reconciler,
    private readonly clusters: ClusterService,
    private readonly connector: ClusterConnector,
    private readonly apps: AppService,
  ) {}

  @OnEvent('cluster.synced')
  async onSynced({ clusterId, answered }: EventMap['cluster.synced']): Promise<void> {
    if (!answered) return;
    await this.reconciler.resume(clusterId);
    await this.observe(clusterId);
  }

  async observe(clusterId: string): Promise<void> {
    const placed = (await this.placements.ofCluster(clusterId)).filter(
      (placement) =>
        !placement.removing &&
        placement.appliedRequestId !== null &&
        placement.appliedRequestId === placement.requestId &&
        OBSERVED.includes(placement.status),
    );
    const cluster = placed.length > 0 ? await this.clusters.findById(clusterId) : null;
    if (!cluster) return;
    let pods: V1Pod[];
    try {
      // Plain JSON, as the applier reads pods (see PlacementApplier.readPods).
      const { getJson } = this.connector.clientsFor(cluster);
      const list = await kube(() => getJson('/api/v1/pods', { labelSelector: MANAGED_PODS }));
      const items = (list as { items?: unknown } | null)?.items;
      if (!Array.isArray(items)) throw notKubernetes();
      pods = items as V1Pod[];
    } catch (error) {
      if (error instanceof KubeError) return; // the next sync reads them again
      throw error;
    }
    const byInstance = new Map<string, V1Pod[]>();
    for (const pod of pods) {
      const key = `${pod.metadata?.namespace}/${pod.metadata?.labels?.[INSTANCE_LABEL]}`;
      byInstance.set(key, [...(byInstance.get(key) ?? []), pod]);
    }
    const deployments = await this.deployments.findBy({ id: In(placed.map((p) => p.deploymentId)) });
    const byId = new Map(deployments.map((deployment) => [deployment.id, deployment]));
    // One statement for the versions' replica counts, however many deployments the cluster runs.
    const apps = await this.apps.findByIds(deployments.map((deployment) => deployment.appId));
    const expected = new Map(apps.map((app) => [app.id, app]));
    const changed: number[] = [];
    for (const placement of placed) {
      const deployment = byId.get(placement.deploymentId);
      if (!deployment) continue;
      const own = byInstance.get(`ns${deployment.businessId}/${deployment.deployName}`) ?? [];
      const app = expected.get(deployment.appId);
      if (await this.update(placement, deployment, own, app ? expectedPods(app) : 1))
        changed.push(deployment.id);
    }
    await this.rollup.rollUpAll(changed);
  }

  private async update(
    placement: PlacementEntity,
    deployment: DeploymentEntity,
    pods: V1Pod[],
    expected: number,
  ): Promise<boolean> {
    const counts = countPods(pods, deployment.version);
    const overdue =
      placement.status === PlacementStatus.Applied &&
      placement.rolloutDeadlineAt !== null &&
      placement.rolloutDeadlineAt.getTime() <= Date.now();
    const status = clusterSucceeded(counts, expected)
      ? PlacementStatus.Running
      : clusterFailed(counts) || overdue || placement.status === PlacementStatus.Failed
        ? PlacementStatus.Failed
        : PlacementStatus.Applied;
    const message =
      status === PlacementStatus.Failed
        ? podProblems(pods) || (overdue ? 'pods not running before the deadline' : placement.message)
        : '';
    const same =
      status === placement.status &&
      message === placement.message &&
      counts.running === placement.running &&
      counts.error === placement.error &&
      counts.total === placement.total;
    if (same) return false;
    return this.placements.settle(placement, status, counts, message);
  }
}
