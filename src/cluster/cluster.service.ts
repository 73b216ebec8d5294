import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { PatchStrategy, setHeaderOptions, type V1Node } from '@kubernetes/client-node';
import { DataSource, EntityManager, In, LessThan, Not, Repository } from 'typeorm';
import type { AuditAction } from '../audit/audit-action';
import { AuditEntry, AuditTrail } from '../audit/audit-trail.service';
import { BusinessService } from '../business/business.service';
import { Actor } from '../common/auth/actor';
import { conflict, invalid, notFound } from '../common/errors';
import { Paged, toPage } from '../common/paging';
import { POD_SECURITY_LABELS } from '../common/pod-policy';
import { SecretBox } from '../common/secret-box';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { EventBus, OnEvent } from '../events/event-bus';
import type { EventMap } from '../events/event-map';
import { KubeClients, makeKubeClients } from '../kube/kube-clients';
import { isConflict, isNotFound, kube, KubeError, notKubernetes } from '../kube/kube-error';
import { canonicalKubeconfig, openStoredKubeconfig } from '../kube/kubeconfig';
import { JobQueueService } from '../queue/job-queue.service';
import { REDIS } from '../redis/redis.module';
import { JobName, JOBS } from '../queue/jobs';
import { ClusterEntity, ClusterLabelEntity, NodeEntity } from './cluster.entity';
import { ClusterConnector } from './cluster-connector.service';
import { ClusterListQuery, ClusterView, RegisterClusterDto } from './dto';
import { nodeRecord } from './node-record';

/** Registration must answer quickly even when the kubeconfig points at nothing. */
const REGISTRATION_TIMEOUT_MS = 5000;
const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'ote-stack' };
const namespaceLabels = (businessId: number) => ({
  ...MANAGED_BY,
  'ote-stack/business': String(businessId),
  ...POD_SECURITY_LABELS,
});
/** A namespace the namespace job must (re)visit: missing, or made before its labels were what they are now. */
const namespaceIsCurrent = (labels: Record<string, string> | undefined, businessId: number) =>
  Object.entries(namespaceLabels(businessId)).every(([key, value]) => labels?.[key] === value);

/** What a sync reads from a Node into its row: every column but the key. */
const NODE_SYNCED_COLUMNS = [
  'operating_system',
  'kernel_version',
  'ip',
  'cpu',
  'memory',
  'disk',
  'gpu',
  'is_ready',
  'labels',
  'sync_time',
];

/** A cluster's nodes; an answer without a node list is not from a Kubernetes API server. */
async function listNodes({ core }: KubeClients): Promise<V1Node[]> {
  const { items } = await kube(() => core.listNode());
  if (!Array.isArray(items)) throw notKubernetes();
  return items;
}

/**
 * A kubeconfig offered for registration, which must pass the gate and answer in time: its nodes, and the
 * form it is stored in (canonicalKubeconfig), which is the one tried here.
 */
async function answeringNodes(kubeconfig: string): Promise<{ nodes: V1Node[]; canonical: string }> {
  let clients: KubeClients | undefined;
  try {
    const canonical = canonicalKubeconfig(kubeconfig);
    clients = makeKubeClients(openStoredKubeconfig(canonical), { timeoutMs: REGISTRATION_TIMEOUT_MS });
    return { nodes: await listNodes(clients), canonical };
  } catch (error) {
    // Only our own words: never the cluster's body, not even a Status message, since the server
    // behind an untrusted kubeconfig may be any local service.
    if (error instanceof KubeError) throw invalid(`kubeconfig: ${error.message}`);
    throw error;
  } finally {
    // A one-off check: its connection is not kept (the connector opens the cluster's own clients).
    void clients?.close();
  }
}

const clusterEntry = (
  actor: Actor,
  action: AuditAction,
  cluster: ClusterEntity,
  detail: Record<string, unknown> = {},
): AuditEntry => ({
  actor,
  action,
  targetType: 'cluster',
  targetId: cluster.id,
  businessId: null,
  detail: { clusterName: cluster.name, ...detail },
});

export const businessNamespace = (businessId: number) => `ns${businessId}`;

/**
 * How long the record of the namespaces made sure of in a cluster is kept: past it, the next apply
 * merges the labels once more. It bounds what a replaced kubeconfig's record leaves behind.
 */
const PREPARED_NAMESPACES_TTL_SECONDS = 24 * 3600;

/** The businesses whose namespace was made sure of in a cluster, per kubeconfig (a digest of its sealed text). */
const preparedNamespacesKey = (cluster: Pick<ClusterEntity, 'id' | 'kubeconfigSealed'>) =>
  `namespaces-prepared:${cluster.id}:${createHash('sha256').update(cluster.kubeconfigSealed).digest('base64url').slice(0, 16)}`;

@Injectable()
export class ClusterService {
  /** Businesses whose namespace this process made sure of, per cluster clients (see prepareNamespaceIn). */
  private readonly preparedNamespaces = new WeakMap<KubeClients, Set<number>>();

  constructor(
    @InjectRepository(ClusterEntity) private readonly clusters: Repository<ClusterEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly secrets: SecretBox,
    private readonly connector: ClusterConnector,
    private readonly jobs: JobQueueService,
    private readonly businesses: BusinessService,
    private readonly auditTrail: AuditTrail,
    private readonly events: EventBus,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /**
   * Registers a cluster once it answers with its nodes; it then gets every approved business's namespace.
   * `simulated` marks the quick start's own simulated clusters; registrations through the API are real.
   */
  async register(actor: Actor, dto: RegisterClusterDto, { simulated = false } = {}): Promise<void> {
    if (await this.clusters.existsBy({ name: dto.clusterName }))
      throw conflict(`cluster ${dto.clusterName} already exists`);
    const { nodes, canonical } = await answeringNodes(dto.kubeconfig);
    const now = new Date();
    const { cluster, announcement } = await this.dataSource.transaction(async (manager) => {
      const saved = await manager.getRepository(ClusterEntity).save({
        name: dto.clusterName,
        kubeconfigSealed: this.secrets.seal(canonical),
        lastSyncAt: now,
        lastSyncOkAt: now,
        lastSyncError: null,
        simulated,
      });
      await manager.getRepository(NodeEntity).insert(nodes.map((node) => nodeRecord(saved.id, node, now)));
      await this.auditTrail.record(manager, clusterEntry(actor, 'cluster.register', saved));
      const announcement = await this.events.announce(manager, 'cluster.registered', { clusterId: saved.id });
      return { cluster: saved, announcement };
    });
    const businessIds = await this.businesses.approvedIds();
    await this.jobs.enqueueMany(
      JobName.NamespaceEnsure,
      businessIds.map((businessId) => ({ businessId, clusterId: cluster.id })),
    );
    await this.events.deliver(announcement);
  }

  /**
   * Points a registered cluster at a new kubeconfig, which passes the registration's gate and must answer
   * with its nodes (the quick start's simulated clusters listen on a new port with a new token at every
   * start). Its nodes are read again at once.
   */
  async replaceKubeconfig(actor: Actor, clusterName: string, kubeconfig: string): Promise<void> {
    const cluster = await this.findByName(clusterName);
    const { canonical } = await answeringNodes(kubeconfig);
    await this.auditTrail.recordWith(clusterEntry(actor, 'cluster.kubeconfig-replace', cluster), (manager) =>
      manager
        .getRepository(ClusterEntity)
        .update(cluster.id, { kubeconfigSealed: this.secrets.seal(canonical) }),
    );
    await this.jobs.enqueue(JobName.ClusterSync, { clusterId: cluster.id });
  }

  /** SPEC §4: 409 while live deployments are placed there, unless `force` forgets their placements. */
  async remove(actor: Actor, clusterName: string, force: boolean): Promise<void> {
    const cluster = await this.findByName(clusterName);
    // One transaction, the cluster's row locked first (a placement written for it meanwhile waits, then
    // fails its foreign key): the check, the removal, the placements going with the row, and the
    // announcement of what follows for their deployments. A removal that fails forgets nothing.
    const announcement = await this.auditTrail.recordWith(
      clusterEntry(actor, 'cluster.remove', cluster, { force }),
      async (manager) => {
        await manager.query(`SELECT 1 FROM clusters WHERE id = $1 FOR UPDATE`, [cluster.id]);
        const placed: number[] = [];
        await this.events.emit('cluster.removal-checking', {
          clusterId: cluster.id,
          clusterName,
          force,
          manager,
          placed,
        });
        await manager.getRepository(ClusterEntity).delete(cluster.id);
        return this.events.announce(manager, 'cluster.removed', {
          clusterId: cluster.id,
          deploymentIds: placed,
        });
      },
    );
    this.connector.forget(cluster.id);
    await this.events.deliver(announcement);
  }

  async list(query: ClusterListQuery): Promise<Paged<ClusterView>> {
    const builder = this.clusters
      .createQueryBuilder('c')
      .orderBy('c.name', query.order === 'desc' ? 'DESC' : 'ASC');
    if (query.clusterLabel && query.clusterLabel !== 'all') {
      builder.innerJoin(ClusterLabelEntity, 'l', 'l.cluster_id = c.id AND l.label = :label', {
        label: query.clusterLabel,
      });
    }
    const { skip, take } = toPage(query);
    const [rows, total] = await builder.skip(skip).take(take).getManyAndCount();
    const counts = await this.nodeCounts(rows.map((row) => row.id));
    return { data: rows.map((row) => this.toView(row, counts.get(row.id) ?? 0)), total };
  }

  /**
   * Clusters a deployment with this target label goes to: `all` or empty means every cluster. A caller
   * inside a transaction passes its manager: the read then takes no second connection from the pool
   * while the transaction holds its locks (callers waiting for those locks may hold all the others).
   */
  async withLabel(label: string, manager?: EntityManager): Promise<ClusterEntity[]> {
    const clusters = manager ? manager.getRepository(ClusterEntity) : this.clusters;
    if (!label || label === 'all') return clusters.find({ order: { name: 'ASC' } });
    return clusters
      .createQueryBuilder('c')
      .innerJoin(ClusterLabelEntity, 'l', 'l.cluster_id = c.id AND l.label = :label', { label })
      .orderBy('c.name')
      .getMany();
  }

  async findByName(clusterName: string): Promise<ClusterEntity> {
    const cluster = await this.clusters.findOneBy({ name: clusterName });
    if (!cluster) throw notFound(`cluster ${clusterName}`);
    return cluster;
  }

  findByNameIfAny(clusterName: string): Promise<ClusterEntity | null> {
    return this.clusters.findOneBy({ name: clusterName });
  }

  findById(clusterId: string): Promise<ClusterEntity | null> {
    return this.clusters.findOneBy({ id: clusterId });
  }

  async allIds(): Promise<string[]> {
    return (await this.clusters.find({ select: { id: true } })).map((cluster) => cluster.id);
  }

  /** Reads a cluster's nodes into the database and records whether it answered. */
  async sync(clusterId: string): Promise<void> {
    const cluster = await this.findById(clusterId);
    if (!cluster) return;
    const now = new Date();
    // When the list was asked for, by the database's clock, as a label change records its own time
    // (NodeService): every replica compares the two on one clock.
    const [{ readAt }]: { readAt: Date }[] = await this.dataSource.query(
      `SELECT clock_timestamp() AS "readAt"`,
    );
    let nodes: V1Node[];
    try {
      nodes = await listNodes(this.connector.clientsFor(cluster));
    } catch (error) {
      if (!(error instanceof KubeError)) throw error;
      await this.clusters.update(cluster.id, { lastSyncAt: now, lastSyncError: error.message });
      await this.events.emit('cluster.synced', { clusterId: cluster.id, answered: false });
      return;
    }
    await this.dataSource.transaction(async (manager) => {
      const records = nodes.map((node) => nodeRecord(cluster.id, node, readAt));
      const repository = manager.getRepository(NodeEntity);
      // A row read after this list began (a node label set meanwhile, or a later sync) is newer than
      // the list: it is neither overwritten nor deleted by it.
      if (records.length)
        await repository
          .createQueryBuilder('node')
          .insert()
          .values(records)
          .orUpdate(NODE_SYNCED_COLUMNS, ['cluster_id', 'name'], {
            overwriteCondition: { where: 'node.sync_time <= EXCLUDED.sync_time' },
          })
          .execute();
      await repository.delete({
        clusterId: cluster.id,
        name: Not(In(records.map((record) => record.name))),
        syncTime: LessThan(readAt),
      });
      await manager
        .getRepository(ClusterEntity)
        .update(cluster.id, { lastSyncAt: now, lastSyncOkAt: now, lastSyncError: null });
    });
    await this.enqueueMissingNamespaces(cluster);
    await this.events.emit('cluster.synced', { clusterId: cluster.id, answered: true });
  }

  /** Creates ns<businessId> in one cluster; an existing namespace is success. */
  async ensureNamespace(businessId: number, clusterId: string): Promise<void> {
    const cluster = await this.findById(clusterId);
    if (cluster) await this.ensureNamespaceIn(cluster, businessId);
  }

  /**
   * The same for a cluster the caller already holds, e.g. a deployment about to apply objects there.
   * A namespace made before its labels changed (Pod Security, SPEC §12) gets them now.
   */
  async ensureNamespaceIn(
    cluster: Pick<ClusterEntity, 'id' | 'kubeconfigSealed'>,
    businessId: number,
  ): Promise<void> {
    const clients = this.connector.clientsFor(cluster);
    const { core } = clients;
    const name = businessNamespace(businessId);
    const labels = namespaceLabels(businessId);
    try {
      await kube(() => core.createNamespace({ body: { metadata: { name, labels } } }));
    } catch (error) {
      if (!isConflict(error)) throw error;
      await kube(() =>
        core.patchNamespace(
          { name, body: { metadata: { labels } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      );
    }
    // Made sure of with its labels: a deployment's apply from any replica need not ask again.
    await this.notePreparedNamespace(cluster, clients, businessId);
  }

  /**
   * The same for a deployment's apply, at most once per business and cluster clients (kubeconfig)
   * across every replica: a label merge (one request, as the namespace normally exists since the
   * business's approval), or the create above when it does not. Whoever made sure of it records so in
   * Redis, so that a worker replica meeting the cluster for the first time does not ask again. A
   * deployment whose apply finds the namespace gone (deleted in the cluster) forgets it here and comes
   * back.
   */
  async prepareNamespaceIn(
    cluster: Pick<ClusterEntity, 'id' | 'kubeconfigSealed'>,
    businessId: number,
  ): Promise<void> {
    const clients = this.connector.clientsFor(cluster);
    if (this.preparedNamespaces.get(clients)?.has(businessId)) return;
    if (await this.redis.sismember(preparedNamespacesKey(cluster), String(businessId))) {
      this.rememberPreparedNamespace(clients, businessId);
      return;
    }
    const name = businessNamespace(businessId);
    try {
      await kube(() =>
        clients.sendJson({
          method: 'PATCH',
          path: `/api/v1/namespaces/${encodeURIComponent(name)}`,
          body: { metadata: { labels: namespaceLabels(businessId) } },
          contentType: PatchStrategy.MergePatch,
        }),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.ensureNamespaceIn(cluster, businessId);
      return;
    }
    await this.notePreparedNamespace(cluster, clients, businessId);
  }

  private async notePreparedNamespace(
    cluster: Pick<ClusterEntity, 'id' | 'kubeconfigSealed'>,
    clients: KubeClients,
    businessId: number,
  ): Promise<void> {
    this.rememberPreparedNamespace(clients, businessId);
    const key = preparedNamespacesKey(cluster);
    await this.redis
      .multi()
      .sadd(key, String(businessId))
      .expire(key, PREPARED_NAMESPACES_TTL_SECONDS)
      .exec();
  }

  private rememberPreparedNamespace(clients: KubeClients, businessId: number): void {
    let known = this.preparedNamespaces.get(clients);
    if (!known) this.preparedNamespaces.set(clients, (known = new Set()));
    known.add(businessId);
  }

  async forgetPreparedNamespace(
    cluster: Pick<ClusterEntity, 'id' | 'kubeconfigSealed'>,
    businessId: number,
  ): Promise<void> {
    this.preparedNamespaces.get(this.connector.clientsFor(cluster))?.delete(businessId);
    await this.redis.srem(preparedNamespacesKey(cluster), String(businessId));
  }

  /** Every cluster's readiness by name, for the metrics scrape. */
  async readiness(): Promise<{ clusterName: string; isReady: boolean }[]> {
    const rows = await this.clusters.find({
      select: { id: true, name: true, lastSyncAt: true, lastSyncOkAt: true },
      order: { name: 'ASC' },
    });
    return rows.map((cluster) => ({ clusterName: cluster.name, isReady: this.isReady(cluster) }));
  }

  /** A cluster is ready when its last sync succeeded, within three sync periods. */
  isReady(cluster: ClusterEntity, now = Date.now()): boolean {
    const { lastSyncAt, lastSyncOkAt } = cluster;
    if (!lastSyncOkAt || (lastSyncAt && lastSyncAt > lastSyncOkAt)) return false;
    return now - lastSyncOkAt.getTime() <= 3 * this.config.clusterSyncSeconds * 1000;
  }

  @OnEvent('business.approved')
  async createBusinessNamespaces({ businessId }: EventMap['business.approved']): Promise<void> {
    const clusterIds = await this.allIds();
    await this.jobs.enqueueMany(
      JobName.NamespaceEnsure,
      clusterIds.map((clusterId) => ({ businessId, clusterId })),
    );
  }

  /**
   * Repairs what an enqueue lost (a crash between an approval's commit and its jobs, or retries that
   * ran out while a cluster was down): every approved business's namespace that the cluster lacks.
   */
  private async enqueueMissingNamespaces(cluster: ClusterEntity): Promise<void> {
    const businessIds = await this.businesses.approvedIds();
    if (businessIds.length === 0) return;
    const { core } = this.connector.clientsFor(cluster);
    const existing = await kube(() =>
      core.listNamespace({ labelSelector: 'app.kubernetes.io/managed-by=ote-stack' }),
    );
    const labelsByName = new Map(
      existing.items.map((namespace) => [namespace.metadata?.name, namespace.metadata?.labels]),
    );
    const missing = businessIds.filter(
      (businessId) => !namespaceIsCurrent(labelsByName.get(businessNamespace(businessId)), businessId),
    );
    const payloads = missing.map((businessId) => ({ businessId, clusterId: cluster.id }));
    await this.jobs.enqueueMany(JobName.NamespaceEnsure, payloads);
    // The cluster answers now: a job still backing off from its outage (same id, so the enqueue above
    // was a no-op) runs at once instead of after its delay, which grows to hours.
    const definition = JOBS[JobName.NamespaceEnsure];
    const queue = this.jobs.queue(definition.queue);
    for (const payload of payloads) {
      const job = await queue.getJob(definition.options(payload).jobId!);
      if (job && (await job.isDelayed())) await job.promote().catch(() => undefined); // it may have just started
    }
  }

  private async nodeCounts(clusterIds: string[]): Promise<Map<string, number>> {
    if (clusterIds.length === 0) return new Map();
    const rows: { cluster_id: string; count: string }[] = await this.dataSource.query(
      'SELECT cluster_id, count(*) AS count FROM nodes WHERE cluster_id = ANY($1) GROUP BY cluster_id',
      [clusterIds],
    );
    return new Map(rows.map((row) => [row.cluster_id, Number(row.count)]));
  }

  private toView(cluster: ClusterEntity, nodeCount: number): ClusterView {
    return {
      clusterName: cluster.name,
      clusterId: cluster.id,
      nodeCount,
      isReady: this.isReady(cluster),
      simulated: cluster.simulated,
    };
  }
}
