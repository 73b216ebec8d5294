import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { notFound } from '../common/errors';
import { Paged, toPage, UnlimitedPageQuery } from '../common/paging';
import { unixSeconds } from '../common/time';
import { EventBus } from '../events/event-bus';
import { ClusterEntity, ClusterLabelEntity } from './cluster.entity';
import { ClusterService } from './cluster.service';
import { ClusterLabelDto } from './dto';

/** Cluster labels live in the database; deployments pick their target clusters by them. */
@Injectable()
export class ClusterLabelService {
  constructor(
    @InjectRepository(ClusterEntity) private readonly clusters: Repository<ClusterEntity>,
    @InjectRepository(ClusterLabelEntity) private readonly labels: Repository<ClusterLabelEntity>,
    private readonly clusterService: ClusterService,
    private readonly events: EventBus,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async add(dto: ClusterLabelDto): Promise<void> {
    const clusters = await this.findAll(dto.clusterName);
    await this.change(dto.clusterLabel, clusters, (labels) =>
      labels
        .createQueryBuilder()
        .insert()
        .values(clusters.map((cluster) => ({ clusterId: cluster.id, label: dto.clusterLabel })))
        .orIgnore()
        .execute(),
    );
  }

  async remove(dto: ClusterLabelDto): Promise<void> {
    const clusters = await this.findAll(dto.clusterName);
    await this.change(dto.clusterLabel, clusters, (labels) =>
      labels.delete({ label: dto.clusterLabel, clusterId: In(clusters.map((cluster) => cluster.id)) }),
    );
  }

  async names(): Promise<string[]> {
    const rows: { label: string }[] = await this.labels
      .createQueryBuilder('l')
      .select('DISTINCT l.label', 'label')
      .orderBy('label')
      .getRawMany();
    return rows.map((row) => row.label);
  }

  async ofCluster(
    clusterName: string,
    query: UnlimitedPageQuery,
  ): Promise<Paged<{ clusterLabel: string; createTime: number }>> {
    const cluster = await this.clusterService.findByName(clusterName);
    const [rows, total] = await this.labels.findAndCount({
      where: { clusterId: cluster.id },
      order: { label: query.order ?? 'asc' },
      ...toPage(query),
    });
    return {
      data: rows.map((row) => ({ clusterLabel: row.label, createTime: unixSeconds(row.createTime) })),
      total,
    };
  }

  private async findAll(names: string[]): Promise<ClusterEntity[]> {
    const unique = [...new Set(names)];
    const clusters = await this.clusters.findBy({ name: In(unique) });
    const missing = unique.filter((name) => !clusters.some((cluster) => cluster.name === name));
    if (missing.length) throw notFound(`cluster ${missing.join(', ')}`);
    return clusters;
  }

  /** The label change, and its announcement in the same transaction: deployments follow it even after a crash. */
  private async change(
    label: string,
    clusters: ClusterEntity[],
    write: (labels: Repository<ClusterLabelEntity>) => Promise<unknown>,
  ): Promise<void> {
    const announcement = await this.dataSource.transaction(async (manager: EntityManager) => {
      await write(manager.getRepository(ClusterLabelEntity));
      return this.events.announce(manager, 'cluster.labels-changed', {
        label,
        clusterIds: clusters.map((cluster) => cluster.id),
      });
    });
    await this.events.deliver(announcement);
  }
}
