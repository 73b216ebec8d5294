import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { DeploymentEntity } from './deploy.entity';
import { DeployStatus } from './deployment-status';

/** `PartialSuccess` → `partial_success`: status names as metric labels. */
const statusLabel = (status: DeployStatus) =>
  DeployStatus[status].replace(/(?<=[a-z])(?=[A-Z])/g, '_').toLowerCase();

/** Figures about deployments for operators (the metrics scrape). */
@Injectable()
export class DeploymentStats {
  constructor(
    @InjectRepository(DeploymentEntity) private readonly deployments: Repository<DeploymentEntity>,
  ) {}

  /** Every status with its count, zero included, so that a series never vanishes; one GROUP BY. */
  async countByStatus(): Promise<Map<string, number>> {
    const rows = await this.deployments
      .createQueryBuilder('d')
      .select('d.status', 'status')
      .addSelect('count(*)::int', 'count')
      .groupBy('d.status')
      .getRawMany<{ status: DeployStatus; count: number }>();
    const counts = new Map(rows.map((row) => [row.status, row.count]));
    const statuses = Object.values(DeployStatus).filter((value) => typeof value === 'number');
    return new Map(statuses.map((status) => [statusLabel(status), counts.get(status) ?? 0]));
  }
}
