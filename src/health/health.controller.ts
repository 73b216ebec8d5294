import { Controller, Get, HttpStatus, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags, SchemaObject } from '@nestjs/swagger';
import { ApiEnvelope, ApiErrors } from '../common/openapi';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { Public } from '../common/auth/decorators';
import { REDIS } from '../redis/redis.module';

const OK: SchemaObject = { type: 'string', enum: ['ok'] };

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /** The process is alive. */
  @ApiOperation({ summary: 'Liveness: the process is alive' })
  @ApiEnvelope({ fields: { status: OK } })
  @Get('healthz')
  alive() {
    return { status: 'ok' };
  }

  /** The process can serve: PostgreSQL and Redis both answer. */
  @ApiOperation({ summary: 'Readiness: PostgreSQL and Redis both answer' })
  @ApiEnvelope({ fields: { status: OK, database: OK, redis: OK } })
  @ApiErrors(HttpStatus.SERVICE_UNAVAILABLE)
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
