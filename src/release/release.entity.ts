import type { JsonObject } from '../common/json';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * SPEC §8: where one revision of a Helm release stands in one cluster, in Helm's own words (the API
 * shows them as they are).
 */
export const RELEASE_STATUSES = [
  'PENDING_INSTALL',
  'PENDING_UPGRADE',
  'PENDING_ROLLBACK',
  'DEPLOYED',
  'FAILED',
  'SUPERSEDED',
  'UNINSTALLING',
  'UNINSTALLED',
] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];

/** One revision of a chart deployment's release in one cluster. */
@Entity('releases')
export class ReleaseEntity {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'business_id' }) businessId: number;
  @Column({ name: 'deployment_id' }) deploymentId: number;
  @Column({ name: 'cluster_id', type: 'uuid' }) clusterId: string;
  /** The deploy request this revision carries out: one revision per request, cluster and placement generation. */
  @Column({ name: 'request_id' }) requestId: number;
  /** The placement generation it was begun in (opaque; bigint read as a string). */
  @Column({ type: 'bigint' }) generation: string;
  @Column() name: string;
  @Column() namespace: string;
  @Column({ type: 'int' }) revision: number;
  @Column({ type: 'varchar' }) status: ReleaseStatus;
  @Column({ name: 'status_description' }) statusDescription: string;
  /** The chart application version (its application id) and its Chart.yaml name and version. */
  @Column({ name: 'app_id' }) appId: number;
  @Column({ name: 'chart_name' }) chartName: string;
  @Column({ name: 'chart_version' }) chartVersion: string;
  /** The values the deployment gave, as given (masked only when shown); a JSON object. */
  @Column({ name: 'chart_values', type: 'jsonb' }) values: JsonObject;
  @CreateDateColumn({ name: 'create_time', type: 'timestamptz' }) createTime: Date;
  @UpdateDateColumn({ name: 'update_time', type: 'timestamptz' }) updateTime: Date;
}
