import { Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { AppEntity } from '../app/app.entity';
import { AuditLogEntity } from '../audit/audit-log.entity';
import { ChartEntity } from '../chart/chart.entity';
import { ReleaseEntity } from '../release/release.entity';
import { UserEntity } from '../auth/user.entity';
import { BusinessEntity } from '../business/business.entity';
import { ClusterEntity, ClusterLabelEntity, NodeEntity } from '../cluster/cluster.entity';
import {
  PlacementEntity,
  DeploymentEntity,
  DeploymentVersionEntity,
  DeployRequestEntity,
  SoftwareDeploymentEntity,
} from '../deploy/deploy.entity';
import {
  ExternalRepositoryEntity,
  RegistryAccountEntity,
  RegistryProjectEntity,
} from '../registry/registry.entity';

const ENTITIES = [
  UserEntity,
  BusinessEntity,
  ClusterEntity,
  ClusterLabelEntity,
  NodeEntity,
  AppEntity,
  DeploymentEntity,
  DeployRequestEntity,
  PlacementEntity,
  DeploymentVersionEntity,
  SoftwareDeploymentEntity,
  RegistryAccountEntity,
  RegistryProjectEntity,
  ExternalRepositoryEntity,
  ChartEntity,
  ReleaseEntity,
  AuditLogEntity,
];

/** The schema comes only from migrations; `synchronize` stays off everywhere. */
export const dataSourceOptions = (databaseUrl: string): DataSourceOptions => ({
  type: 'postgres',
  url: databaseUrl,
  entities: ENTITIES,
  migrations: MIGRATIONS,
  migrationsTableName: 'migrations',
  migrationsTransactionMode: 'each',
  synchronize: false,
  extra: { max: 20, onConnect: listenForErrors },
});

const logger = new Logger('database');

/**
 * Every pooled connection keeps an error listener for its whole life. The pool listens only while a
 * connection is idle, TypeORM only while one of its query runners holds it: a connection handed out and
 * not yet (or no longer) running a query when PostgreSQL goes away (`terminating connection due to
 * unexpected postmaster exit`) would otherwise emit an 'error' nobody hears, and end the process. Its
 * holder still sees the failure on its next query, and releases it broken.
 */
function listenForErrors(client: PoolClient): void {
  client.on('error', (error) => logger.warn(`database connection lost: ${error.message}`));
}

/** Any fixed number: every process migrating the same database takes this advisory lock first. */
const MIGRATION_LOCK = 7_315_001;

/** Applies pending migrations; API and worker replicas starting together take turns instead of racing. */
export async function runMigrations(databaseUrl: string): Promise<string[]> {
  const dataSource = new DataSource(dataSourceOptions(databaseUrl));
  await dataSource.initialize();
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations();
    return applied.map((migration) => migration.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
    await dataSource.destroy();
  }
}
