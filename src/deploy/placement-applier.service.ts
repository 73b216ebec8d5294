import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { UnrecoverableError } from 'bullmq';
import { Repository } from 'typeorm';
import { AppService } from '../app/app.service';
import { AppVersion } from '../app/app-version';
import { ChartArchiveError } from '../chart/chart-archive';
import { ClusterConnector } from '../cluster/cluster-connector.service';
import { businessNamespace, ClusterService } from '../cluster/cluster.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { preparedQuery } from '../database/prepared-query';
import { isNotFound, kube, KubeError, notKubernetes } from '../kube/kube-error';
import { KubeClients } from '../kube/kube-clients';
import { deleteIfExists, objectRef, serverSideApply } from '../kube/object-applier';
import { JobQueueService } from '../queue/job-queue.service';
import { JobName } from '../queue/jobs';
import { ExternalRepositoryService } from '../registry/external-repository.service';
import { maskSecrets } from '../release/release-values';
import { ReleaseKey, ReleaseService } from '../release/release.service';
import {
  AppliedObject,
  DeploymentEntity,
  DeployRequestEntity,
  requestWithPullCredentials,
} from './deploy.entity';
import { DeployAction, DeployStatus, predecessorsOf } from './deployment-status';
import { ObjectRenderer } from './object-renderer';
import { PlacementStatus } from './placement-status';
import { PlacementStore, PlacementWork } from './placement.store';
import { clusterFailed, clusterSucceeded, countPods, expectedPods, PodCounts } from './pod-counts';
import {
  ApplyRecordKey,
  podsReason,
  RecordInput,
  RecordKey,
  SoftwareAction,
  SoftwareRecords,
  SUPERSEDED_REASON,
} from './software-records';
import { StatusRollup } from './status-rollup.service';
import { INSTANCE_LABEL } from './workload';

/** The field manager our server-side applies own their fields as. */
const FIELD_MANAGER = 'ote-stack';

/** Why a placement's work failed: the cluster's answer, or a chart that does not render (permanent). */
type ApplyError = KubeError | ChartArchiveError;

const INTERNAL_ERROR_SQL = `UPDATE deployments SET status = ${DeployStatus.InternalError}, update_time = now()
  WHERE id = $1 AND request_id = $2 AND status = ANY($3) AND status = ANY($4)`;

/** A newer request can take a placement over while a job works on it; the job then applies that one. */
const MAX_ROUNDS = 3;

/** The job's retry, for the placement's "next retry" while its cluster is offline. */
export interface Attempt {
  /** Milliseconds until BullMQ's next attempt, or null when this was the last one. */
  nextRetryMs: number | null;
}

interface Work extends PlacementWork {
  request: DeployRequestEntity;
  cluster: NonNullable<PlacementWork['cluster']>;
  namespace: string;
}

/**
 * The unit of work: brings one placement (deployment, cluster) to what its current request asks for,
 * with one server-side apply per object, then reads that deployment's pods there once. Every write
 * to the database is a compare-and-set; a job that lost the race to a newer request starts over with
 * that request, and one whose placement is gone stops. Nothing here waits or polls: the cluster sync
 * reads pods per cluster afterwards, and the rollout deadline is a delayed job of its own.
 */
@Injectable()
export class PlacementApplier {
  private readonly logger = new Logger(PlacementApplier.name);
  /** Requests and application versions do not change once approved: read each once per process. */
  private readonly requestCache = new Map<number, Promise<DeployRequestEntity>>();
  private readonly appCache = new Map<number, Promise<AppVersion | null>>();
  /** A chart renders the same for every cluster of a request: one Helm process per request, not per cluster. */
  private readonly chartObjectsCache = new Map<number, Promise<KubernetesObject[]>>();

  constructor(
    @InjectRepository(DeploymentEntity) private readonly deployments: Repository<DeploymentEntity>,
    @InjectRepository(DeployRequestEntity) private readonly requests: Repository<DeployRequestEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly renderer: ObjectRenderer,
    private readonly placements: PlacementStore,
    private readonly records: SoftwareRecords,
    private readonly rollup: StatusRollup,
    private readonly apps: AppService,
    private readonly clusters: ClusterService,
    private readonly connector: ClusterConnector,
    private readonly jobs: JobQueueService,
    private readonly externalRepositories: ExternalRepositoryService,
    private readonly releases: ReleaseService,
  ) {}

  async apply(deploymentId: number, clusterId: string, attempt: Attempt): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const work = await this.read(deploymentId, clusterId);
      if (!work) return;
      const finished = work.placement.removing
        ? await this.remove(work, attempt)
        : await this.place(work, attempt);
      if (finished) return;
    }
  }

  /**
   * A fault of the platform (not of the cluster) outlasted every retry: the placement fails with a
   * message of our own and an in-flight deployment becomes 8 (SPEC §6), by compare-and-set. The action's
   * record is finished FAILED with the move, when what it needs can still be read (reading it may be
   * the fault).
   */
  async internalError(deploymentId: number, clusterId: string): Promise<void> {
    const work = await this.read(deploymentId, clusterId).catch(() => null);
    const placement = work?.placement ?? (await this.placements.find(deploymentId, clusterId));
    if (!placement || placement.status === PlacementStatus.Failed) return;
    const message = 'internal error of the platform; see the worker log';
    const record = work && (await this.recordOf(work).catch(() => null));
    const failed = await this.placements.moveWith(placement, PlacementStatus.Failed, { message }, (writes) =>
      record ? this.records.attemptFailed(record, message, true, writes) : Promise.resolve(),
    );
    if (!failed) return;
    // The Helm release revision begun for this apply (a chart application's) will not finish either.
    if (work && !placement.removing) await this.releases.failed(workKey(work), message);
    const { rowCount } = await preparedQuery(this.deployments.manager, INTERNAL_ERROR_SQL, [
      deploymentId,
      placement.requestId,
      predecessorsOf(DeployStatus.InternalError),
      [DeployStatus.Approved, DeployStatus.Processing, DeployStatus.Deploying],
    ]);
    // A settled deployment keeps its status, but the failed placement changes what it rolls up to.
    if (!rowCount) await this.rollup.rollUp(deploymentId);
  }

  /**
   * The rollout deadline of a placement: pods not all running by now fail it there. A deadline that an
   * outage of the platform moved later (PlatformHeartbeat) is waited for by a job of its own instead.
   */
  async deadline(deploymentId: number, clusterId: string, requestId: number, dueAt?: number): Promise<void> {
    const work = await this.read(deploymentId, clusterId);
    if (!work || work.placement.requestId !== requestId || work.placement.status !== PlacementStatus.Applied)
      return;
    const stored = work.placement.rolloutDeadlineAt?.getTime();
    if (stored !== undefined && stored !== dueAt && stored > Date.now()) {
      await this.jobs.enqueue(
        JobName.PlacementDeadline,
        { deploymentId, clusterId, requestId, dueAt: stored },
        stored - Date.now(),
      );
      return;
    }
    const app = await this.appOf(work.deployment.appId);
    let counts: PodCounts;
    let pods: Parameters<typeof podProblems>[0];
    try {
      ({ counts, pods } = await this.readPods(work, app.version));
    } catch (error) {
      if (!(error instanceof KubeError)) throw error;
      const { running, error: failing, total } = work.placement;
      // A cluster that refuses for good (its credentials revoked, say) cannot show the pods running:
      // the rollout there has failed, and the deadline settles it like pods that did not start.
      const moved = error.transient
        ? // SPEC §7: the rollout settles without a cluster that stopped answering; the cluster sync brings
          // the placement back (its objects applied again, its pods judged) when the cluster answers.
          await this.placements.move(work.placement, PlacementStatus.Offline, {
            message: `${error.message} at the rollout deadline; checked again when the cluster sync sees it answer`,
            nextRetryAt: null,
          })
        : await this.placements.settle(
            work.placement,
            PlacementStatus.Failed,
            { running, error: failing, total },
            `${error.message} at the rollout deadline`,
          );
      if (moved) await this.rollup.rollUp(work.deployment.id);
      return;
    }
    const running = clusterSucceeded(counts, expectedPods(app));
    const message = running ? '' : podProblems(pods) || 'pods not running before the deadline';
    const status = running ? PlacementStatus.Running : PlacementStatus.Failed;
    if (await this.placements.settle(work.placement, status, counts, message))
      await this.rollup.rollUp(work.deployment.id);
  }

  /**
   * Reads the placement with its deployment and cluster (one statement) and its current request (once
   * per process); null when there is nothing to do.
   */
  private async read(deploymentId: number, clusterId: string): Promise<Work | null> {
    const found = await this.placements.work(deploymentId, clusterId);
    if (!found?.cluster) return null;
    const { placement, deployment, cluster } = found;
    // A placement behind its deployment's request waits for that request's approval to retarget it.
    if (placement.requestId === null || placement.requestId !== deployment.requestId) return null;
    const request = await this.requestOf(placement.requestId);
    return { placement, deployment, request, cluster, namespace: businessNamespace(deployment.businessId) };
  }

  /** Applies the request's objects; true when this placement is done with (or lost to a removal). */
  private async place(work: Work, attempt: Attempt): Promise<boolean> {
    const { placement, deployment, request, cluster, namespace } = work;
    const settled = [PlacementStatus.Applied, PlacementStatus.Running, PlacementStatus.Failed];
    const app = await this.appOf(request.appId);
    // Done already (its record was written with the move, in one transaction). A run that stopped
    // between the move and its release's update (a killed worker) left that update to this one.
    if (placement.appliedRequestId === request.id && settled.includes(placement.status)) {
      if (app.deployType === 'chart') await this.releases.deployed(workKey(work));
      // And the roll-up it asks for, which that run may not have reached (a roll-up is coalesced, and
      // safe to repeat): a settled deployment is rolled up by nothing else.
      await this.rollup.rollUp(deployment.id);
      return true;
    }
    const record = await this.recordOf(work);
    let objects: KubernetesObject[];
    let lines: string[];
    let counts: PodCounts;
    let pods: Parameters<typeof podProblems>[0];
    // What the cluster accepted before it refused an object is the deployment's too: a delete removes it.
    const accepted: KubernetesObject[] = [];
    try {
      await this.beginRelease(work, app);
      objects = await this.render(work, app);
      const clients = this.connector.clientsFor(cluster);
      const { objects: api } = clients;
      await this.clusters.prepareNamespaceIn(cluster, deployment.businessId);
      const before = new Set(placement.objects.map(appliedKey));
      lines = [];
      for (const object of objects) {
        await this.applyObject(work, clients, object);
        accepted.push(object);
        lines.push(
          `${objectRef(object)} ${before.has(appliedKey(toApplied(object))) ? 'configured' : 'created'}`,
        );
      }
      const kept = new Set(objects.map((object) => appliedKey(toApplied(object))));
      for (const stale of placement.objects.filter((object) => !kept.has(appliedKey(object)))) {
        const gone = fromApplied(namespace)(stale);
        lines.push(`${objectRef(gone)} ${await deleteIfExists(api, gone)}`);
      }
      ({ counts, pods } = await this.readPods(work, app.version));
    } catch (error) {
      if (!(error instanceof KubeError) && !(error instanceof ChartArchiveError)) throw error;
      const kept = new Set(accepted.map((object) => appliedKey(toApplied(object))));
      const known = [
        ...placement.objects.filter((object) => !kept.has(appliedKey(object))),
        ...accepted.map(toApplied),
      ];
      return this.failed(work, record, error, attempt, accepted.length > 0 ? { objects: known } : {});
    }
    const status = clusterSucceeded(counts, expectedPods(app))
      ? PlacementStatus.Running
      : clusterFailed(counts)
        ? PlacementStatus.Failed
        : PlacementStatus.Applied;
    const deadline = new Date(Date.now() + this.config.deployTimeoutSeconds * 1000);
    const ok = status === PlacementStatus.Running;
    const won = await this.placements.moveWith(
      placement,
      status,
      {
        appliedRequestId: request.id,
        objects: objects.map(toApplied),
        ...counts,
        message: status === PlacementStatus.Failed ? podProblems(pods) : '',
        // Set once per request; left alone afterwards, as an outage of the platform may have moved it.
        rolloutDeadlineAt: placement.rolloutDeadlineAt ? undefined : deadline,
        nextRetryAt: null,
      },
      (manager) =>
        status === PlacementStatus.Applied
          ? this.records.applied(record, lines, 'applied, waiting for pods', undefined, manager)
          : this.records.applied(
              record,
              lines,
              'applied',
              { ok, reason: podsReason(ok, podProblems(pods)) },
              manager,
            ),
    );
    if (!won) {
      // What this run applied is in the cluster whoever moved the placement: a removal that follows must
      // find it among the placement's objects, or it would stay behind.
      await this.placements.noteApplied(placement, objects.map(toApplied));
      return this.lost(work, record);
    }
    // Only a chart application has a Helm release (beginRelease), and only its request's can be deployed.
    if (app.deployType === 'chart') await this.releases.deployed(workKey(work));
    if (status === PlacementStatus.Applied) {
      const dueAt = (placement.rolloutDeadlineAt ?? deadline).getTime();
      await this.jobs.enqueue(
        JobName.PlacementDeadline,
        { deploymentId: deployment.id, clusterId: cluster.id, requestId: request.id, dueAt },
        Math.max(0, dueAt - Date.now()),
      );
    }
    await this.rollup.rollUp(deployment.id);
    return true;
  }

  /**
   * One server-side apply. The namespace is made sure of once per process (prepareNamespaceIn): when
   * the cluster answers that it is gone, it is made again and the apply tried once more.
   */
  private async applyObject(work: Work, clients: KubeClients, object: KubernetesObject): Promise<void> {
    const apply = () => serverSideApply(clients, object, FIELD_MANAGER);
    try {
      await apply();
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.clusters.forgetPreparedNamespace(work.cluster, work.deployment.businessId);
      await this.clusters.prepareNamespaceIn(work.cluster, work.deployment.businessId);
      await apply();
    }
  }

  /** Deletes every object the placement applied, then forgets the placement. */
  private async remove(work: Work, attempt: Attempt): Promise<boolean> {
    const { placement, deployment, cluster, namespace } = work;
    if (placement.status === PlacementStatus.Failed) return true;
    const record = await this.recordOf(work);
    await this.releases.uninstalling(deployment.id, cluster.id);
    const lines: string[] = [];
    try {
      const { objects: api } = this.connector.clientsFor(cluster);
      for (const object of [...placement.objects].reverse().map(fromApplied(namespace)))
        lines.push(`${objectRef(object)} ${await deleteIfExists(api, object)}`);
    } catch (error) {
      if (!(error instanceof KubeError)) throw error;
      return this.failed(work, record, error, attempt);
    }
    // The record and the release first: once the placement is forgotten, a retry would find nothing to
    // finish (both writes are safe to repeat).
    await this.records.applied(record, lines, 'deleted', { ok: true, reason: 'deleted', result: 'deleted' });
    await this.releases.uninstalled(deployment.id, cluster.id);
    if (!(await this.placements.forget(placement))) return this.lost(work, record);
    await this.rollup.rollUp(deployment.id);
    return true;
  }

  /** A chart application's apply is a new revision of its Helm release in the cluster (SPEC §8). */
  private async beginRelease(work: Work, app: AppVersion): Promise<void> {
    const chart = await this.renderer.chartOf(app);
    if (!chart) return;
    await this.releases.begin({
      ...workKey(work),
      businessId: work.deployment.businessId,
      deploymentId: work.deployment.id,
      name: work.deployment.deployName,
      namespace: work.namespace,
      appId: app.id,
      chartName: chart.name,
      chartVersion: chart.version,
      values: work.deployment.values,
      rollback: work.request.action === DeployAction.Rollback,
    });
  }

  /** The objects the request's version becomes in this cluster, with the pull secret its repository needs. */
  private async render(work: Work, app: AppVersion): Promise<KubernetesObject[]> {
    const target = {
      deployName: work.deployment.deployName,
      namespace: work.namespace,
      nodeLabel: work.deployment.nodeLabel,
      values: work.deployment.values,
    };
    if (app.deployType === 'chart')
      return cached(this.chartObjectsCache, work.request.id, () => this.renderer.render(app, target));
    // The credentials the request kept (requests from before it kept them: the repository's now).
    const pullCredentials = work.request.pullCredentialsSealed
      ? this.externalRepositories.openPullCredentials(work.request.pullCredentialsSealed)
      : app.repositoryId
        ? await this.externalRepositories.pullSecretFor(work.deployment.businessId, app.repositoryId)
        : null;
    return this.renderer.render(app, { ...target, pullCredentials });
  }

  /**
   * The cluster did not answer (the placement is offline; BullMQ retries with back-off and the cluster
   * sync brings the retry forward when the cluster answers again), or refused what retrying cannot fix.
   * The reason recorded carries the cluster's own reason for refusing an object (KubeError.withRejection).
   */
  private async failed(
    work: Work,
    record: RecordInput,
    error: ApplyError,
    attempt: Attempt,
    changes: { objects?: AppliedObject[] } = {},
  ): Promise<boolean> {
    const { placement, deployment, cluster } = work;
    const reason = error instanceof KubeError ? error.withRejection : error.message;
    this.logger.warn(`deployment ${deployment.deployName} on cluster ${cluster.name}: ${reason}`);
    const final = !error.transient;
    const nextRetryAt = attempt.nextRetryMs === null ? null : new Date(Date.now() + attempt.nextRetryMs);
    const won = await this.placements.moveWith(
      placement,
      final ? PlacementStatus.Failed : PlacementStatus.Offline,
      final
        ? { ...changes, message: reason }
        : {
            ...changes,
            message: nextRetryAt
              ? `${reason}; next retry at ${nextRetryAt.toISOString()}`
              : `${reason}; retried when the cluster sync sees it answer`,
            nextRetryAt,
          },
      (manager) => this.records.attemptFailed(record, reason, final, manager),
    );
    if (!won) {
      // What the cluster accepted before it failed is there whoever moved the placement (see place()).
      if (changes.objects) await this.placements.noteApplied(placement, changes.objects);
      return this.lost(work, record);
    }
    if (final && record.action !== 'DELETE') await this.releases.failed(workKey(work), reason);
    await this.rollup.rollUp(deployment.id);
    if (final) throw new UnrecoverableError(reason);
    throw error;
  }

  /**
   * Someone else moved the placement since we read it. When newer work took it over (a newer request,
   * or the cluster left or rejoined the targets: a new generation), this record ends here; when it was
   * another run of the same work (a job taken over after a lost lock), that run finishes the record.
   */
  private async lost(work: Work, record: RecordInput): Promise<false> {
    this.logger.log(
      `placement of ${work.deployment.deployName} on ${work.cluster.name} moved on; starting over`,
    );
    const now = await this.placements.find(work.deployment.id, work.cluster.id);
    if (now?.requestId !== record.requestId || now.generation !== record.generation)
      await this.records.finish(record, false, SUPERSEDED_REASON, 'superseded');
    return false;
  }

  /**
   * The record of what the placement's job does for its request: a removal's DELETE (of the version the
   * deployment ran), or an apply's CREATE, UPDATE or ROLLBACK (of the request's version).
   */
  private async recordOf(work: Work): Promise<RecordInput> {
    const { placement, deployment, request } = work;
    const key = workKey(work);
    const action = placement.removing ? 'DELETE' : await this.applyAction(work, key);
    const app = await this.appOf(placement.removing ? deployment.appId : request.appId);
    return recordInput(work, { ...key, action }, app);
  }

  /** What an apply of the request on the cluster is: a CREATE where nothing was applied, else an UPDATE or a ROLLBACK. */
  private async applyAction({ placement, request }: Work, key: ApplyRecordKey): Promise<SoftwareAction> {
    if (placement.appliedRequestId === null) return 'CREATE';
    // Applied already for this request (the cluster went offline at the deadline and is back, say): the
    // same action again, whose record this apply finishes, not an UPDATE of its own.
    const earlier = placement.appliedRequestId === request.id && (await this.records.applyActionOf(key));
    if (earlier) return earlier;
    return request.action === DeployAction.Rollback ? 'ROLLBACK' : 'UPDATE';
  }

  /**
   * The deployment's pods there, read as plain JSON (not through client-node's ObjectSerializer, which
   * cost more CPU than the rest of a placement's work): countPods and podProblems read only names,
   * labels, the deletion mark and the status, whose JSON shape is the typed model's (timestamps stay strings).
   */
  private async readPods(work: Work, version: string) {
    const { getJson } = this.connector.clientsFor(work.cluster);
    const list = await kube(() =>
      getJson(`/api/v1/namespaces/${encodeURIComponent(work.namespace)}/pods`, {
        labelSelector: `${INSTANCE_LABEL}=${work.deployment.deployName}`,
      }),
    );
    const items = (list as { items?: unknown } | null)?.items;
    if (!Array.isArray(items)) throw notKubernetes();
    const pods = items as V1Pod[];
    return { counts: countPods(pods, version), pods };
  }

  private requestOf(id: number): Promise<DeployRequestEntity> {
    return cached(this.requestCache, id, () => requestWithPullCredentials(this.requests, id).getOneOrFail());
  }

  private async appOf(id: number): Promise<AppVersion> {
    const app = await cached(this.appCache, id, () => this.apps.findById(id));
    // An application version in use cannot be deleted (app.deletion-checking): this is our fault.
    if (!app) throw new Error(`application version ${id} is gone`);
    return app;
  }
}

/** A small per-process cache of immutable rows; a failed read is not kept. */
function cached<T>(cache: Map<number, Promise<T>>, id: number, load: () => Promise<T>): Promise<T> {
  let value = cache.get(id);
  if (!value) {
    if (cache.size > 10_000) cache.clear();
    value = load();
    value.catch(() => cache.delete(id));
    cache.set(id, value);
  }
  return value;
}

/**
 * Which work a placement's job carries out: its request on its cluster, in the placement's generation.
 * It names both the work's software deployment record (with the action) and, for a chart application,
 * its Helm release revision.
 */
const workKey = ({ request, cluster, placement }: Work): ApplyRecordKey & ReleaseKey => ({
  requestId: request.id,
  clusterId: cluster.id,
  generation: placement.generation,
});

/** A record of one action on one cluster, with the parameters applied (SPEC §9 `input_values`). */
const recordInput = (work: Work, key: RecordKey, app: AppVersion): RecordInput => ({
  ...key,
  businessId: work.deployment.businessId,
  deploymentId: work.deployment.id,
  configId: String(app.id),
  inputValues: {
    deployName: work.deployment.deployName,
    namespace: work.namespace,
    appName: app.appName,
    version: app.version,
    image: app.image,
    nodeLabel: work.deployment.nodeLabel,
    ...(app.deployType === 'chart' ? { values: maskSecrets(work.deployment.values) } : {}),
  },
});

/** The first few waiting reasons of a cluster's pods, for the placement's message. */
export function podProblems(
  pods: {
    metadata?: { name?: string };
    status?: { containerStatuses?: { state?: { waiting?: { reason?: string } } }[] };
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

const appliedKey = (object: AppliedObject) => `${object.apiVersion}/${object.kind}/${object.name}`;

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
