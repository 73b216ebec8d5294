import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/auth/decorators';
import { Principal, Role } from '../common/auth/principal';
import { MultipartForm, UploadedFileBuffer } from '../common/multipart-form';
import { ApiEnvelope, ApiErrors } from '../common/openapi';
import { CHART_LIMITS } from './chart-archive';
import { ChartService } from './chart.service';
import { UploadChartDto } from './dto';

@ApiTags('applications')
@Controller('v1/app/chart')
export class ChartController {
  constructor(private readonly charts: ChartService) {}

  /** Seed 002 "Upload Helm Chart to Create Application"; an archive over the limit is 413. */
  @ApiOperation({
    summary: 'Upload a Helm chart to create a chart application version',
    description: 'The archive is checked, rendered with its default values and its objects refused or kept.',
  })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.CONFLICT, HttpStatus.PAYLOAD_TOO_LARGE, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(Role.GeneralUser, Role.BusinessAdmin)
  @Post()
  @HttpCode(200)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['appName', 'version', 'chart'],
      properties: {
        appName: { type: 'string', example: 'magento' },
        version: { type: 'string', example: '1.0' },
        chart: { type: 'string', format: 'binary', description: 'the chart archive (.tgz)' },
      },
    },
  })
  @MultipartForm('chart', { fileBytes: CHART_LIMITS.archiveBytes, fields: 10, fieldBytes: 1024 })
  async upload(
    @CurrentUser() principal: Principal,
    @Body() dto: UploadChartDto,
    @UploadedFileBuffer() chart: Buffer | undefined,
  ) {
    await this.charts.upload(principal, dto, chart);
  }
}
