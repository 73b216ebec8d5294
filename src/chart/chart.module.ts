import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApplicationsModule } from '../app/applications.module';
import { ChartController } from './chart.controller';
import { ChartEntity } from './chart.entity';
import { ChartService } from './chart.service';

/** Helm chart applications: upload, storage and sandboxed rendering (SPEC §5, §6, §12). */
@Module({
  imports: [TypeOrmModule.forFeature([ChartEntity]), ApplicationsModule],
  controllers: [ChartController],
  providers: [ChartService],
  exports: [ChartService],
})
export class ChartModule {}
