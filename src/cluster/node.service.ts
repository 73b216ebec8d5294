import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { Repository } from 'typeorm';
import { notFound } from '../common/errors';
import { Paged, toPage } from '../common/paging';
import { EventBus } from '../events/event-bus';
import { kube } from '../kube/kube-error';
import { NodeEntity } from './cluster.entity';
import { ClusterConnector } from './cluster-connector.service';
import { ClusterService } from './cluster.service';
import { DeleteNodeLabelDto, NODE_FIELDS, NodeLabelDto, NodeListQuery, NodeView } from './dto';
import { clusterFailure } from './kube-domain-error';

const NODE_LABEL_PREFIX = 'ote-stack/';
export const nodeLabelKey = (label: string) => `${NODE_LABEL_PREFIX}${label}`;

@Injectable()
export class NodeService {
  constructor(
    @InjectRepository(NodeEntity) private readonly nodes: Repository<NodeEntity>,
    private readonly clusters: ClusterService,
    private readonly connector: ClusterConnector,
    private readonly events: EventBus,
  ) {}

  async list(query: NodeListQuery): Promise<Paged<Partial<NodeView>> & { meta: { readyNodeCount: number } }> {
    const builder = this.nodes
      .createQueryBuilder('n')
      .innerJoin('clusters', 'c', 'c.id = n.cluster_id')
      .addSelect('c.name', 'cluster_name')
      .orderBy('c.name')
      .addOrderBy('n.name');
    if (query.clusterName) builder.andWhere('c.name = :clusterName', { clusterName: query.clusterName });
    if (query.nodeName) builder.andWhere('n.name = :nodeName', { nodeName: query.nodeName });
    // `all`, as for clusters and deployments, is every node.
    if (query.nodeLabel && query.nodeLabel !== 'all')
      builder.andWhere('n.labels ->> :key = :true', { key: nodeLabelKey(query.nodeLabel), true: 'true' });

    // One query for both counts, so that a sync committing in between cannot make them disagree.
    const counts: { total: string; ready: string } | undefined = await builder
      .clone()
      .select('count(*)', 'total')
      .addSelect('count(*) FILTER (WHERE n.is_ready)', 'ready')
      .orderBy()
      .getRawOne();
    const total = Number(counts?.total ?? 0);
    const readyNodeCount = Number(counts?.ready ?? 0);
    const { skip, take } = toPage(query);
    const { entities, raw } = await builder.offset(skip).limit(take).getRawAndEntities();
    const fields = query.field?.length ? query.field : NODE_FIELDS;
    const data = entities.map((node, index) => {
      const view = this.toView(node, raw[index].cluster_name);
      return Object.fromEntries(fields.map((field) => [field, view[field]]));
    });
    return { data, total, meta: { readyNodeCount } };
  }

  /** Sets `ote-stack/<label>: "true"` on each named Node with a merge patch, and records the result. */
  async addLabel(dto: NodeLabelDto): Promise<void> {
    await this.patchLabels(dto, 'true');
  }

  async removeLabel(dto: DeleteNodeLabelDto): Promise<void> {
    const cluster = await this.clusters.findByName(dto.clusterName);
    // The deploy module answers 409 while a live deployment targets the label, or deletes those
    // deployments when the caller said deleteDeploy.
    await this.events.emit('node-label.removal-checking', {
      clusterId: cluster.id,
      label: dto.nodeLabel,
      deleteDeploy: dto.deleteDeploy ?? false,
    });
    await this.patchLabels(dto, null);
  }

  /** The ote-stack labels in use on nodes, in one cluster or in all. */
  async labelNames(clusterName?: string): Promise<string[]> {
    const clusterId = clusterName ? (await this.clusters.findByName(clusterName)).id : null;
    const rows: { label: string }[] = await this.nodes.query(
      `SELECT DISTINCT substr(l.key, $1::int + 1) AS label
         FROM nodes n, jsonb_each_text(n.labels) l
        WHERE l.key LIKE $2 AND l.value = 'true' AND ($3::uuid IS NULL OR n.cluster_id = $3)
        ORDER BY label`,
      [NODE_LABEL_PREFIX.length, `${NODE_LABEL_PREFIX}%`, clusterId],
    );
    return rows.map((row) => row.label);
  }

  private async patchLabels(dto: NodeLabelDto, value: 'true' | null): Promise<void> {
    const cluster = await this.clusters.findByName(dto.clusterName);
    const names = [...new Set(dto.nodeName)];
    const known = await this.nodes.findBy(names.map((name) => ({ clusterId: cluster.id, name })));
    const missing = names.filter((name) => !known.some((node) => node.name === name));
    if (missing.length) throw notFound(`node ${missing.join(', ')} in cluster ${dto.clusterName}`);

    for (const name of names) {
      try {
        const { core } = this.connector.clientsFor(cluster);
        const node = await kube(() =>
          core.patchNode(
            { name, body: { metadata: { labels: { [nodeLabelKey(dto.nodeLabel)]: value } } } },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          ),
        );
        // Read now, by the database's clock: a sync whose node list began earlier must not put the old
        // labels back (ClusterService.sync).
        await this.nodes.update(
          { clusterId: cluster.id, name },
          { labels: node.metadata?.labels ?? {}, syncTime: () => 'clock_timestamp()' },
        );
      } catch (error) {
        throw clusterFailure(dto.clusterName, error);
      }
    }
  }

  private toView(node: NodeEntity, clusterName: string): NodeView {
    return {
      nodeName: node.name,
      clusterName,
      operatingSystem: node.operatingSystem,
      kernelVersion: node.kernelVersion,
      ip: node.ip,
      cpu: node.cpu,
      memory: node.memory,
      disk: node.disk,
      gpu: node.gpu,
      isReady: node.isReady,
    };
  }
}
