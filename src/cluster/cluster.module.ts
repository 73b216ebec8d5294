import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BusinessModule } from '../business/business.module';
import { SecretBox } from '../common/secret-box';
import { ClusterConnector } from './cluster-connector.service';
import { ClusterController, NodeController } from './cluster.controller';
import { ClusterEntity, ClusterLabelEntity, NodeEntity } from './cluster.entity';
import { ClusterLabelService } from './cluster-label.service';
import { ClusterProcessor } from './cluster.processor';
import { ClusterService } from './cluster.service';
import { NodeService } from './node.service';

@Module({
  imports: [TypeOrmModule.forFeature([ClusterEntity, ClusterLabelEntity, NodeEntity]), BusinessModule],
  controllers: [ClusterController, NodeController],
  providers: [
    ClusterService,
    ClusterLabelService,
    NodeService,
    ClusterConnector,
    ClusterProcessor,
    SecretBox,
  ],
  exports: [ClusterService, ClusterLabelService, NodeService, ClusterConnector],
})
export class ClusterModule {}
