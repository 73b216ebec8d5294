import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A platform user's login to the image registry (SPEC §11): one per user, its own password. */
@Entity('registry_accounts')
export class RegistryAccountEntity {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'user_id' }) userId: number;
  @Column({ name: 'account_name' }) accountName: string;
  @Column({ name: 'password_hash' }) passwordHash: string;
  @CreateDateColumn({ name: 'create_time', type: 'timestamptz' }) createTime: Date;
  @UpdateDateColumn({ name: 'update_time', type: 'timestamptz' }) updateTime: Date;
}

/** The first path component of repositories in the registry; owned by a business, maybe public. */
@Entity('registry_projects')
export class RegistryProjectEntity {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'business_id' }) businessId: number;
  @Column() name: string;
  @Column() public: boolean;
  @CreateDateColumn({ name: 'create_time', type: 'timestamptz' }) createTime: Date;
  @UpdateDateColumn({ name: 'update_time', type: 'timestamptz' }) updateTime: Date;
}

/** Credentials of a registry the platform does not manage, for pull secrets; the password sealed. */
@Entity('external_repositories')
export class ExternalRepositoryEntity {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'business_id' }) businessId: number;
  @Column({ name: 'repository_id' }) repositoryId: string;
  @Column() address: string;
  @Column({ name: 'user_name' }) userName: string;
  @Column({ name: 'sealed_password' }) sealedPassword: string;
  @CreateDateColumn({ name: 'create_time', type: 'timestamptz' }) createTime: Date;
  @UpdateDateColumn({ name: 'update_time', type: 'timestamptz' }) updateTime: Date;
}
