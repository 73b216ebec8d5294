import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApplicationsModule } from '../app/applications.module';
import { BusinessModule } from '../business/business.module';
import { ChartModule } from '../chart/chart.module';
import { ClusterModule } from '../cluster/cluster.module';
import { RegistryModule } from '../registry/registry.module';
import { ReleaseModule } from '../release/release.module';
import { DeployCommands } from './deploy-commands.service';
import { DeployAuditController, DeployController } from './deploy.controller';
import {
  DeploymentEntity,
  DeploymentVersionEntity,
  DeployRequestEntity,
  PlacementEntity,
  SoftwareDeploymentEntity,
} from './deploy.entity';
import { DeployProcessor } from './deploy.processor';
import { DeployQueries } from './deploy-queries.service';
import { DeploymentStats } from './deployment-stats.service';
import { ObjectRenderer } from './object-renderer';
import { PlacementApplier } from './placement-applier.service';
import { PlacementObserver } from './placement-observer.service';
import { PlacementStore } from './placement.store';
import { PlatformHeartbeat } from './platform-heartbeat.service';
import { Reconciler } from './reconciler.service';
import { SoftwareDeploymentController } from './software-deployment.controller';
import { SoftwareDeploymentService } from './software-deployment.service';
import { SoftwareRecords } from './software-records';
import { StatusRollup } from './status-rollup.service';

/**
 * Deployments: requests and audits (DeployCommands), their readers (DeployQueries), the per-cluster
 * applier, the status roll-up, the reconciler and the per-cluster pod observer.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      DeploymentEntity,
      DeployRequestEntity,
      PlacementEntity,
      DeploymentVersionEntity,
      SoftwareDeploymentEntity,
    ]),
    ApplicationsModule,
    BusinessModule,
    ClusterModule,
    RegistryModule,
    ChartModule,
    ReleaseModule,
  ],
  controllers: [DeployController, DeployAuditController, SoftwareDeploymentController],
  providers: [
    DeployCommands,
    DeployQueries,
    PlacementStore,
    SoftwareRecords,
    StatusRollup,
    Reconciler,
    PlacementApplier,
    PlacementObserver,
    DeployProcessor,
    SoftwareDeploymentService,
    ObjectRenderer,
    DeploymentStats,
    PlatformHeartbeat,
  ],
  exports: [DeploymentStats],
})
export class DeployModule {}
