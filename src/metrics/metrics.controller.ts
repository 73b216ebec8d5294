import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { TokenOptional } from '../common/auth/decorators';
import { RawResponse } from '../common/envelope.interceptor';
import { MetricsAccessGuard } from './metrics-access.guard';
import { Metrics } from './metrics';

@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @TokenOptional()
  @UseGuards(MetricsAccessGuard)
  @RawResponse()
  @Get()
  async scrape(@Res() response: Response): Promise<void> {
    const body = await this.metrics.registry.metrics();
    response.type(this.metrics.registry.contentType).send(body);
  }
}
