import { Controller, Get, HttpStatus, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiBareOk, ApiErrors } from '../common/openapi';
import { CurrentUser, Roles } from '../common/auth/decorators';
import { Principal, Role } from '../common/auth/principal';
import { RawResponse } from '../common/envelope';
import { ParseIdPipe } from '../common/id.pipe';
import { SOFTWARE_DEPLOYMENTS_EXAMPLE, SoftwareDeploymentList, SoftwareDeploymentOne } from './dto';
import { SoftwareDeploymentService } from './software-deployment.service';

@ApiTags('software deployments')
@RawResponse()
@Roles(Role.GeneralUser, Role.BusinessAdmin, Role.SystemAdmin)
@Controller('v1/:projectId/software_deployments')
export class SoftwareDeploymentController {
  constructor(private readonly records: SoftwareDeploymentService) {}

  @ApiOperation({ summary: 'List software deployment records of a project (seed 003, bare body)' })
  @ApiBareOk(SoftwareDeploymentList, SOFTWARE_DEPLOYMENTS_EXAMPLE)
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY)
  @ApiQuery({ name: 'server_id', required: false, description: 'only the records of this cluster id' })
  @Get()
  list(
    @CurrentUser() principal: Principal,
    @Param('projectId', ParseIdPipe) projectId: number,
    @Query('server_id') serverId?: string,
  ) {
    return this.records.list(principal, projectId, serverId);
  }

  @ApiOperation({ summary: 'Get one software deployment record with its stdout and stderr (bare body)' })
  @ApiBareOk(SoftwareDeploymentOne)
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY)
  @Get(':id')
  get(
    @CurrentUser() principal: Principal,
    @Param('projectId', ParseIdPipe) projectId: number,
    @Param('id') id: string,
  ) {
    return this.records.get(principal, projectId, id);
  }
}
