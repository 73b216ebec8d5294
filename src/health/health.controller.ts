import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { Public } from '../common/auth/decorators';
import { REDIS } from '../redis/redis.module';

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /** The process is alive. */
  @Get('healthz')
  alive() {
    return { status: 'ok' };
  }

  /** The process can serve: PostgreSQL and Redis both answer. */
  @Get('readyz')
  async ready() {
    const [database, redis] = await Promise.all([
      this.dataSource.query('SELECT 1').then(
        () => 'ok',
        () => 'unreachable',
      ),
      this.redis.ping().then(
        () => 'ok',
        () => 'unreachable',
      ),
    ]);
    if (database !== 'ok' || redis !== 'ok') {
      throw new ServiceUnavailableException(`database ${database}, redis ${redis}`);
    }
    return { status: 'ok', database, redis };
  }
}
