import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClusterModule } from '../cluster/cluster.module';
import { ReleaseController } from './release.controller';
import { ReleaseEntity } from './release.entity';
import { ReleaseService } from './release.service';

/** Helm releases of chart deployments per cluster (SPEC §8, seed 000). The deploy runner reports to it. */
@Module({
  imports: [TypeOrmModule.forFeature([ReleaseEntity]), ClusterModule],
  controllers: [ReleaseController],
  providers: [ReleaseService],
  exports: [ReleaseService],
})
export class ReleaseModule {}
