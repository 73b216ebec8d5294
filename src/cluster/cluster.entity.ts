import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { UpdateDateColumn } from 'typeorm';

@Entity('clusters')
export class ClusterEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ unique: true }) name: string;
  /** The kubeconfig, sealed with ENCRYPTION_KEY; never returned by any route. */
  @Column({ name: 'kubeconfig_sealed' }) kubeconfigSealed: string;
  @Column({ name: 'last_sync_at', type: 'timestamptz', nullable: true }) lastSyncAt: Date | null;
  @Column({ name: 'last_sync_ok_at', type: 'timestamptz', nullable: true }) lastSyncOkAt: Date | null;
  @Column({ name: 'last_sync_error', type: 'text', nullable: true }) lastSyncError: string | null;
  /** One of the quick start's simulated clusters (src/sim), not a real edge. */
  @Column({ default: false }) simulated: boolean;
  @CreateDateColumn({ name: 'create_time', type: 'timestamptz' }) createTime: Date;
  @UpdateDateColumn({ name: 'update_time', type: 'timestamptz' }) updateTime: Date;
}

@Entity('cluster_labels')
export class ClusterLabelEntity {
  @PrimaryColumn({ name: 'cluster_id', type: 'uuid' }) clusterId: string;
  @PrimaryColumn() label: string;
  @CreateDateColumn({ name: 'create_time', type: 'timestamptz' }) createTime: Date;
}

/** A node as last read from its cluster; the cluster stays the source of truth. */
@Entity('nodes')
export class NodeEntity {
  @PrimaryColumn({ name: 'cluster_id', type: 'uuid' }) clusterId: string;
  @PrimaryColumn() name: string;
  @Column({ name: 'operating_system' }) operatingSystem: string;
  @Column({ name: 'kernel_version' }) kernelVersion: string;
  @Column() ip: string;
  @Column({ type: 'int' }) cpu: number;
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  memory: number;
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  disk: number;
  @Column({ type: 'int' }) gpu: number;
  @Column({ name: 'is_ready' }) isReady: boolean;
  @Column({ type: 'jsonb' }) labels: Record<string, string>;
  @Column({ name: 'sync_time', type: 'timestamptz' }) syncTime: Date;
}
