import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { BusinessStatus } from './business-status';

@Entity('businesses')
export class BusinessEntity {
  @PrimaryGeneratedColumn() id: number;
  @Column({ unique: true }) name: string;
  @Column() introduce: string;
  @Column() objective: string;
  @Column() scale: string;
  @Column({ name: 'user_id' }) userId: number;
  @Column({ default: '' }) comment: string;
  @Column({ type: 'smallint' }) status: BusinessStatus;
  @CreateDateColumn({ name: 'create_time', type: 'timestamptz' }) createTime: Date;
  @UpdateDateColumn({ name: 'update_time', type: 'timestamptz' }) updateTime: Date;
}
