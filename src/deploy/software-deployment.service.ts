import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Principal, Role } from '../common/auth/principal';
import { notFound } from '../common/errors';
import { SoftwareDeploymentEntity } from './deploy.entity';
import { SoftwareDeploymentView } from './dto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** SPEC §9 (seed 003): per-cluster actions of deployments, in the Heat API's shape. */
@Injectable()
export class SoftwareDeploymentService {
  constructor(
    @InjectRepository(SoftwareDeploymentEntity)
    private readonly records: Repository<SoftwareDeploymentEntity>,
  ) {}

  async list(principal: Principal, projectId: number, serverId?: string) {
    this.assertProject(principal, projectId);
    if (serverId !== undefined && !UUID.test(serverId)) return { software_deployments: [] };
    const rows = await this.records.find({
      where: { businessId: projectId, ...(serverId ? { clusterId: serverId } : {}) },
      order: { creationTime: 'ASC' },
    });
    return { software_deployments: rows.map(toView) };
  }

  async get(principal: Principal, projectId: number, id: string) {
    this.assertProject(principal, projectId);
    const row = UUID.test(id) ? await this.records.findOneBy({ id, businessId: projectId }) : null;
    if (!row) throw notFound(`software deployment ${id}`);
    return { software_deployment: toView(row) };
  }

  /** Another business's project answers 404, as if it did not exist. */
  private assertProject(principal: Principal, projectId: number): void {
    if (principal.role !== Role.SystemAdmin && principal.businessId !== projectId)
      throw notFound(`project ${projectId}`);
  }
}

function toView(row: SoftwareDeploymentEntity): SoftwareDeploymentView {
  return {
    id: row.id,
    action: row.action,
    config_id: row.configId,
    server_id: row.clusterId,
    input_values: row.inputValues,
    output_values: row.outputValues,
    status: row.status,
    status_reason: row.statusReason,
    creation_time: iso(row.creationTime),
    updated_time: iso(row.updatedTime),
  };
}
