import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ApplicationsModule } from './app/applications.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { BusinessModule } from './business/business.module';
import { ChartModule } from './chart/chart.module';
import { ClusterModule } from './cluster/cluster.module';
import { RolesGuard } from './common/auth/guards';
import { ErrorFilter } from './common/error.filter';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { DatabaseModule } from './database/database.module';
import { DeployModule } from './deploy/deploy.module';
import { EventsModule } from './events/events.module';
import { HealthController } from './health/health.controller';
import { MetricsModule } from './metrics/metrics.module';
import { QueueModule } from './queue/queue.module';
import { QueueDashboardModule } from './queue-dashboard/queue-dashboard.module';
import { RedisModule } from './redis/redis.module';
import { RegistryModule } from './registry/registry.module';
import { ReleaseModule } from './release/release.module';

@Global()
@Module({})
class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        RedisModule,
        EventsModule,
        QueueModule,
        AuditModule,
        AuthModule,
        BusinessModule,
        ClusterModule,
        ApplicationsModule,
        ChartModule,
        DeployModule,
        MetricsModule,
        QueueDashboardModule,
        RegistryModule,
        ReleaseModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_GUARD, useClass: RolesGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
