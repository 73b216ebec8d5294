import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/auth/decorators';
import { Principal, Role } from '../common/auth/principal';
import { RawResponse } from '../common/envelope.interceptor';
import { ReleaseListQuery } from './dto';
import { ReleaseService } from './release.service';

@ApiTags('releases')
@ApiSecurity('token')
@RawResponse()
@Roles(Role.GeneralUser, Role.BusinessAdmin, Role.SystemAdmin)
@Controller('cce/cam/v3/clusters/:clusterId/releases')
export class ReleaseController {
  constructor(private readonly releases: ReleaseService) {}

  /** Seed 000 "Obtaining a Release List": the bare array of ReleaseResp. */
  @Get()
  list(
    @CurrentUser() principal: Principal,
    @Param('clusterId') clusterId: string,
    @Query() query: ReleaseListQuery,
  ) {
    return this.releases.list(principal, clusterId, { chartId: query.chart_id, namespace: query.namespace });
  }
}
