import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/auth/decorators';
import { Principal, Role } from '../common/auth/principal';
import { RawResponse } from '../common/envelope.interceptor';
import { ParseIdPipe } from '../common/id.pipe';
import { SoftwareDeploymentService } from './software-deployment.service';

@ApiTags('software deployments')
@ApiSecurity('token')
@RawResponse()
@Roles(Role.GeneralUser, Role.BusinessAdmin, Role.SystemAdmin)
@Controller('v1/:projectId/software_deployments')
export class SoftwareDeploymentController {
  constructor(private readonly records: SoftwareDeploymentService) {}

  @Get()
  list(
    @CurrentUser() principal: Principal,
    @Param('projectId', ParseIdPipe) projectId: number,
    @Query('server_id') serverId?: string,
  ) {
    return this.records.list(principal, projectId, serverId);
  }

  @Get(':id')
  get(
    @CurrentUser() principal: Principal,
    @Param('projectId', ParseIdPipe) projectId: number,
    @Param('id') id: string,
  ) {
    return this.records.get(principal, projectId, id);
  }
}
