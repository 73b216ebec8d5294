import { AuditDetail } from './audit-action';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One recorded decision or security event; rows are only ever inserted. */
@Entity('audit_log')
export class AuditLogEntity {
  /** A bigint, which the driver hands over as a string. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id: string;
  @Column({ type: 'timestamptz', insert: false, update: false }) time: Date;
  /** No foreign key: the entry outlives the user, and a failed login may name nobody. */
  @Column({ name: 'actor_id', type: 'int', nullable: true }) actorId: number | null;
  @Column({ name: 'actor_name' }) actorName: string;
  @Column() action: string;
  @Column({ name: 'target_type' }) targetType: string;
  @Column({ name: 'target_id' }) targetId: string;
  @Column({ type: 'jsonb' }) detail: AuditDetail;
  @Column({ name: 'source_ip' }) sourceIp: string;
  /** The business the entry concerns, so that its administrators see it; null for platform-wide entries. */
  @Column({ name: 'business_id', type: 'int', nullable: true }) businessId: number | null;
}
