import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An uploaded chart archive, stored once per business and content (its sha256 digest). */
@Entity('charts')
export class ChartEntity {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'business_id' }) businessId: number;
  /** sha256 of the archive, hex. */
  @Column() digest: string;
  /** `name` and `version` from the chart's Chart.yaml. */
  @Column() name: string;
  @Column() version: string;
  @Column({ type: 'int' }) size: number;
  @Column({ type: 'bytea', select: false }) content: Buffer;
  @CreateDateColumn({ name: 'create_time', type: 'timestamptz' }) createTime: Date;
}
