import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export enum UserStatus {
  Pending = 0,
  Approved = 1,
  NotApproved = 2,
  Forbidden = 3,
}

@Entity('users')
export class UserEntity {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'user_name', unique: true }) userName: string;
  @Column({ name: 'password_hash' }) passwordHash: string;
  @Column({ name: 'real_name' }) realName: string;
  @Column() phone: string;
  /** A business administrator candidate (seed: "general administrator"). */
  @Column({ name: 'is_admin' }) isAdmin: boolean;
  @Column({ name: 'is_system_admin', default: false }) isSystemAdmin: boolean;
  @Column({ type: 'smallint' }) status: UserStatus;
  /** Set once the user works in an approved business: its owner on approval, sub-users on creation. */
  @Column({ name: 'business_id', type: 'int', nullable: true }) businessId: number | null;
  /** Raised by a password change or reset, a refusal or a deletion: tokens of an older version stop working. */
  @Column({ name: 'token_version', default: 0 }) tokenVersion: number;
  @CreateDateColumn({ name: 'create_time', type: 'timestamptz' }) createTime: Date;
  @UpdateDateColumn({ name: 'update_time', type: 'timestamptz' }) updateTime: Date;
}
