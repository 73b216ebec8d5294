import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppModule } from '../app/app.module';
import { BusinessModule } from '../business/business.module';
import { ChartModule } from '../chart/chart.module';
import { ClusterModule } from '../cluster/cluster.module';
import { RegistryModule } from '../registry/registry.module';
import { ReleaseModule } from '../release/release.module';
import { DeployAuditController, DeployController } from './deploy.controller';
import {
  DeploymentClusterEntity,
  DeploymentEntity,
  DeploymentVersionEntity,
  DeployRequestEntity,
  SoftwareDeploymentEntity,
} from './deploy.entity';
import { DeployProcessor } from './deploy.processor';
import { DeployRunner } from './deploy.runner';
import { DeployService } from './deploy.service';
import { DeploymentStats } from './deployment-stats.service';
import { ObjectRenderer } from './object-renderer';
import { SoftwareDeploymentController } from './software-deployment.controller';
import { SoftwareDeploymentService } from './software-deployment.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([
      DeploymentEntity,
      DeployRequestEntity,
      DeploymentClusterEntity,
      DeploymentVersionEntity,
      SoftwareDeploymentEntity,
    ]),
    AppModule,
    BusinessModule,
    ClusterModule,
    RegistryModule,
    ChartModule,
    ReleaseModule,
  ],
  controllers: [DeployController, DeployAuditController, SoftwareDeploymentController],
  providers: [
    DeployService,
    DeployRunner,
    DeployProcessor,
    SoftwareDeploymentService,
    ObjectRenderer,
    DeploymentStats,
  ],
  exports: [DeploymentStats],
})
export class DeployModule {}
