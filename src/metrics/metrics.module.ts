import { Global, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { ClusterModule } from '../cluster/cluster.module';
import { DeployModule } from '../deploy/deploy.module';
import { ANY_PATH, HttpMetricsMiddleware } from './http-metrics.middleware';
import { Metrics } from './metrics';
import { MetricsCollectors } from './metrics-collectors';
import { MetricsController } from './metrics.controller';

/** `GET /metrics` (SPEC §13). Global so that the worker runner can count job outcomes. */
@Global()
@Module({
  imports: [ClusterModule, DeployModule],
  controllers: [MetricsController],
  providers: [Metrics, MetricsCollectors],
  exports: [Metrics],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes({ path: ANY_PATH, method: RequestMethod.ALL });
  }
}
