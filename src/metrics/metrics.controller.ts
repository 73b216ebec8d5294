import { Controller, Get, HttpStatus, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { TokenOptional } from '../common/auth/decorators';
import { RawResponse } from '../common/envelope';
import { ApiErrors, ApiTextOk } from '../common/openapi';
import { MetricsAccessGuard } from './metrics-access.guard';
import { Metrics } from './metrics';

@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @ApiOperation({
    summary: 'Prometheus metrics: request durations, queues, jobs, clusters, deployments',
    description:
      'For system administrators, or without a token from an address METRICS_ALLOW lists. A token ' +
      'that is sent must be valid.',
  })
  @ApiTextOk('the Prometheus text exposition format')
  @ApiErrors(HttpStatus.FORBIDDEN)
  @TokenOptional()
  @UseGuards(MetricsAccessGuard)
  @RawResponse()
  @Get()
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.type(this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
