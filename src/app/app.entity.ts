import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type {
  AppDeployType,
  EnvSpec,
  PackageStatus,
  PortSpec,
  SeverityLevel,
  VolumeSpec,
} from './app-version';

/** uint32 values live in `bigint` columns, which the driver returns as strings. */
const uint32 = {
  to: (value: number) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
const Uint32Column = (name: string) => Column({ name, type: 'bigint', transformer: uint32 });

/** One application version (a package). CPU is stored in percent of a core, memory in MiB, as requested. */
@Entity('applications')
export class AppEntity {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'business_id' }) businessId: number;
  @Column({ name: 'app_name' }) appName: string;
  @Column() version: string;
  @Column({ name: 'deploy_type', type: 'varchar' }) deployType: AppDeployType;
  @Column() image: string;
  @Column({ name: 'repository_id', type: 'text', nullable: true }) repositoryId: string | null;
  @Uint32Column('replicas') replicas: number;
  @Column({ type: 'jsonb' }) port: PortSpec[];
  @Column({ type: 'jsonb' }) volume: VolumeSpec[];
  @Column({ type: 'jsonb' }) env: EnvSpec[];
  @Column() command: string;
  @Uint32Column('min_replicas') minReplicas: number;
  @Uint32Column('max_replicas') maxReplicas: number;
  @Uint32Column('min_cpu') minCPU: number;
  @Uint32Column('max_cpu') maxCPU: number;
  @Uint32Column('gpu') GPU: number;
  @Column({ name: 'is_hpa' }) isHPA: boolean;
  @Uint32Column('target_cpu_utilization') targetCPUUtilization: number;
  @Uint32Column('target_mem_utilization') targetMemUtilization: number;
  @Uint32Column('min_memory') minMemory: number;
  @Uint32Column('max_memory') maxMemory: number;
  @Uint32Column('max_unavailable') maxUnavailable: number;
  @Uint32Column('max_surge') maxSurge: number;
  @Uint32Column('min_ready_seconds') minReadySeconds: number;
  /** The uploaded chart of a `chart` application (the chart module's), null for the others. */
  @Column({ name: 'chart_id', type: 'int', nullable: true }) chartId: number | null;
  @Column({ type: 'smallint' }) status: PackageStatus;
  @Column({ name: 'status_detail', type: 'text' }) statusDetail: string;
  @Column({ name: 'severity_level', type: 'smallint' }) severityLevel: SeverityLevel;
  /** The image's manifest digest once a registry the platform manages has told us; null until then. */
  @Column({ name: 'image_digest', type: 'text', nullable: true }) imageDigest: string | null;
  /**
   * A chart's images' digests, in the order of `image` (its images, comma-separated): each one's once the
   * platform's registry has told us, null for an image of another registry; null for a workload app.
   */
  @Column({ name: 'image_digests', type: 'text', array: true, nullable: true })
  imageDigests: (string | null)[] | null;
  /** The user who created the version (users may be deleted later; the record stays). */
  @Column({ name: 'created_by' }) createdBy: number;
  @CreateDateColumn({ name: 'create_time', type: 'timestamptz' }) createTime: Date;
  @UpdateDateColumn({ name: 'update_time', type: 'timestamptz' }) updateTime: Date;
}
