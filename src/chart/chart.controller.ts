import { Body, Controller, HttpCode, Post, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/auth/decorators';
import { Principal, Role } from '../common/auth/principal';
import { CHART_LIMITS } from './chart-archive';
import { ChartService } from './chart.service';
import { UploadChartDto } from './dto';

@ApiTags('applications')
@ApiSecurity('token')
@Controller('v1/app/chart')
export class ChartController {
  constructor(private readonly charts: ChartService) {}

  /** Seed 002 "Upload Helm Chart to Create Application"; an archive over the limit is 413. */
  @Roles(Role.GeneralUser, Role.BusinessAdmin)
  @Post()
  @HttpCode(200)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['appName', 'version', 'chart'],
      properties: {
        appName: { type: 'string' },
        version: { type: 'string' },
        chart: { type: 'string', format: 'binary' },
      },
    },
  })
  @UseInterceptors(
    FileInterceptor('chart', {
      limits: { fileSize: CHART_LIMITS.archiveBytes, files: 1, fields: 10, fieldSize: 1024 },
    }),
  )
  async upload(
    @CurrentUser() principal: Principal,
    @Body() dto: UploadChartDto,
    @UploadedFile() chart: { buffer: Buffer } | undefined,
  ) {
    await this.charts.upload(principal, dto, chart?.buffer);
  }
}
