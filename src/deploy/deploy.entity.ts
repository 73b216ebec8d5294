import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Repository, UpdateDateColumn } from 'typeorm';
import type { JsonObject } from '../common/json';
import { DeployAction, DeployStatus } from './deployment-status';
import { PlacementStatus } from './placement-status';

@Entity('deployments')
export class DeploymentEntity {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'business_id' }) businessId: number;
  @Column({ name: 'deploy_name' }) deployName: string;
  @Column({ name: 'app_name' }) appName: string;
  /** The version running, or being rolled out once a request is approved. */
  @Column() version: string;
  @Column({ name: 'app_id' }) appId: number;
  /** Target cluster label; `all` means every cluster. */
  @Column() cluster: string;
  @Column({ name: 'node_label' }) nodeLabel: string;
  @Column() comment: string;
  @Column({ name: 'deploy_type', type: 'smallint' }) deployType: DeployAction;
  @Column({ type: 'smallint' }) status: DeployStatus;
  @Column({ name: 'error_message' }) errorMessage: string;
  @Column({ name: 'audit_comment' }) auditComment: string;
  /** The request the workers carry out now (or last carried out). */
  @Column({ name: 'request_id', type: 'int', nullable: true }) requestId: number | null;
  /** The values of the approved request: what a chart application is rendered with. */
  @Column({ name: 'chart_values', type: 'jsonb' }) values: JsonObject;
  @CreateDateColumn({ name: 'create_time', type: 'timestamptz' }) createTime: Date;
  @UpdateDateColumn({ name: 'update_time', type: 'timestamptz' }) updateTime: Date;
}

export enum AuditStatus {
  Pending = 0,
  Approved = 1,
  Disapproved = 2,
}

/** One create/upgrade/rollback/delete request and its audit. */
@Entity('deploy_requests')
export class DeployRequestEntity {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'deployment_id' }) deploymentId: number;
  @Column({ name: 'business_id' }) businessId: number;
  @Column({ type: 'smallint' }) action: DeployAction;
  @Column({ name: 'app_id' }) appId: number;
  @Column() version: string;
  @Column({ name: 'request_comment' }) requestComment: string;
  @Column({ name: 'audit_status', type: 'smallint' }) auditStatus: AuditStatus;
  @Column({ name: 'audit_comment' }) auditComment: string;
  @Column({ name: 'requester_id', type: 'int', nullable: true }) requesterId: number | null;
  @Column({ name: 'auditor_id', type: 'int', nullable: true }) auditorId: number | null;
  /** What the deployment was before this request, restored when the request is disapproved. */
  @Column({ name: 'previous_status', type: 'smallint', nullable: true }) previousStatus: DeployStatus | null;
  @Column({ name: 'previous_type', type: 'smallint', nullable: true }) previousType: DeployAction | null;
  /** Chart values the request asks for. */
  @Column({ name: 'chart_values', type: 'jsonb' }) values: JsonObject;
  /** Unified diff of the rendered objects, running against requested, for an upgrade or rollback. */
  @Column({ type: 'text' }) diff: string;
  /**
   * The external repository credentials the request pulls with (its application's `repositoryId`), sealed,
   * as they were when it was made: a repository deleted later leaves the deployment its pull secret.
   */
  @Column({ name: 'pull_credentials_sealed', type: 'text', nullable: true, select: false })
  pullCredentialsSealed: string | null;
  @CreateDateColumn({ name: 'create_time', type: 'timestamptz' }) createTime: Date;
  @UpdateDateColumn({ name: 'update_time', type: 'timestamptz' }) updateTime: Date;
}

/** The request with the sealed pull credentials it keeps, a column read only where they are used. */
export const requestWithPullCredentials = (requests: Repository<DeployRequestEntity>, id: number) =>
  requests.createQueryBuilder('r').addSelect('r.pullCredentialsSealed').where('r.id = :id', { id });

export interface AppliedObject {
  apiVersion: string;
  kind: string;
  name: string;
}

/**
 * A placement: where a deployment stands in one cluster. It converges on `requestId` (the
 * deployment's current request when it was recorded); every status write is a compare-and-set on
 * that request and on the status it moves from.
 */
@Entity('placements')
export class PlacementEntity {
  @PrimaryColumn({ name: 'deployment_id' }) deploymentId: number;
  @PrimaryColumn({ name: 'cluster_id', type: 'uuid' }) clusterId: string;
  @Column({ name: 'cluster_name' }) clusterName: string;
  @Column({ name: 'request_id', type: 'int', nullable: true }) requestId: number | null;
  /**
   * New whenever the placement is given new work (a request, or the cluster leaving or rejoining the
   * targets), never reused: an opaque token (bigint, read as a string) that compare-and-sets and
   * software deployment records carry.
   */
  @Column({ type: 'bigint', insert: false, update: false }) generation: string;
  /** The objects are to leave this cluster (a delete, or the cluster lost the target label). */
  @Column() removing: boolean;
  /** The request whose objects this cluster holds; null until the first apply succeeds. */
  @Column({ name: 'applied_request_id', type: 'int', nullable: true }) appliedRequestId: number | null;
  @Column({ type: 'jsonb' }) objects: AppliedObject[];
  @Column({ type: 'text' }) status: PlacementStatus;
  @Column({ name: 'status_since', type: 'timestamptz' }) statusSince: Date;
  /** Set when the cluster first answered for this request: the rollout there must finish by then. */
  @Column({ name: 'rollout_deadline_at', type: 'timestamptz', nullable: true })
  rolloutDeadlineAt: Date | null;
  /** While offline: when the next attempt is due. */
  @Column({ name: 'next_retry_at', type: 'timestamptz', nullable: true }) nextRetryAt: Date | null;
  @Column({ type: 'int' }) running: number;
  @Column({ type: 'int' }) error: number;
  @Column({ type: 'int' }) total: number;
  @Column() message: string;
  @UpdateDateColumn({ name: 'update_time', type: 'timestamptz' }) updateTime: Date;
}

@Entity('deployment_versions')
export class DeploymentVersionEntity {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'deployment_id' }) deploymentId: number;
  @Column({ name: 'request_id' }) requestId: number;
  @Column({ name: 'app_id' }) appId: number;
  @Column() version: string;
  @Column({ type: 'smallint' }) action: DeployAction;
  @CreateDateColumn({ name: 'create_time', type: 'timestamptz' }) createTime: Date;
}

/** SPEC §9: one action of one deployment on one cluster. */
@Entity('software_deployments')
export class SoftwareDeploymentEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'business_id' }) businessId: number;
  @Column({ name: 'deployment_id' }) deploymentId: number;
  @Column({ name: 'request_id' }) requestId: number;
  @Column({ name: 'cluster_id', type: 'uuid' }) clusterId: string;
  @Column({ name: 'config_id' }) configId: string;
  @Column() action: string;
  @Column({ name: 'input_values', type: 'jsonb', nullable: true }) inputValues: Record<
    string,
    unknown
  > | null;
  @Column({ name: 'output_values', type: 'jsonb' }) outputValues: {
    deploy_stdout: string;
    deploy_stderr: string;
    deploy_status_code: number;
    result: string;
  };
  @Column() status: 'IN_PROGRESS' | 'COMPLETE' | 'FAILED';
  @Column({ name: 'status_reason' }) statusReason: string;
  @CreateDateColumn({ name: 'creation_time', type: 'timestamptz' }) creationTime: Date;
  @UpdateDateColumn({ name: 'updated_time', type: 'timestamptz' }) updatedTime: Date;
}
