import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { AppEntity } from '../app/app.entity';
import { UserEntity } from '../auth/user.entity';
import { BusinessEntity } from '../business/business.entity';
import { ClusterEntity, ClusterLabelEntity, NodeEntity } from '../cluster/cluster.entity';
import {
  DeploymentClusterEntity,
  DeploymentEntity,
  DeploymentVersionEntity,
  DeployRequestEntity,
  SoftwareDeploymentEntity,
} from '../deploy/deploy.entity';

export const ENTITIES = [
  UserEntity,
  BusinessEntity,
  ClusterEntity,
  ClusterLabelEntity,
  NodeEntity,
  AppEntity,
  DeploymentEntity,
  DeployRequestEntity,
  DeploymentClusterEntity,
  DeploymentVersionEntity,
  SoftwareDeploymentEntity,
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
  extra: { max: 20 },
});

export async function runMigrations(databaseUrl: string): Promise<string[]> {
  const dataSource = new DataSource(dataSourceOptions(databaseUrl));
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations();
    return applied.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}
