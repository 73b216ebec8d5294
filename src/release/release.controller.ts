import { Controller, Get, HttpStatus, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/auth/decorators';
import { Principal, Role } from '../common/auth/principal';
import { RawResponse } from '../common/envelope';
import { ApiBareOk, ApiErrors } from '../common/openapi';
import { ReleaseListQuery, ReleaseRespView, RELEASES_EXAMPLE } from './dto';
import { ReleaseService } from './release.service';

@ApiTags('releases')
@RawResponse()
@Roles(Role.GeneralUser, Role.BusinessAdmin, Role.SystemAdmin)
@Controller('cce/cam/v3/clusters/:clusterId/releases')
export class ReleaseController {
  constructor(private readonly releases: ReleaseService) {}

  /** Seed 000 "Obtaining a Release List": the bare array of ReleaseResp. */
  @ApiOperation({ summary: 'List the Helm releases of chart deployments in a cluster' })
  @ApiBareOk([ReleaseRespView], RELEASES_EXAMPLE)
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY)
  @Get()
  list(
    @CurrentUser() principal: Principal,
    @Param('clusterId') clusterId: string,
    @Query() query: ReleaseListQuery,
  ) {
    return this.releases.list(principal, clusterId, { chartId: query.chart_id, namespace: query.namespace });
  }
}
