import { Global, Module } from '@nestjs/common';
import { ClusterModule } from '../cluster/cluster.module';
import { DeployModule } from '../deploy/deploy.module';
import { HttpMetricsHook } from './http-metrics.hook';
import { Metrics } from './metrics';
import { MetricsCollectors } from './metrics-collectors';
import { MetricsController } from './metrics.controller';

/** `GET /metrics` (SPEC §13). Global so that the worker runner can count job outcomes. */
@Global()
@Module({
  imports: [ClusterModule, DeployModule],
  controllers: [MetricsController],
  providers: [Metrics, MetricsCollectors, HttpMetricsHook],
  exports: [Metrics],
})
export class MetricsModule {}
