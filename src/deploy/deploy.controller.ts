import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/auth/decorators';
import { Principal, Role } from '../common/auth/principal';
import { ParseIdPipe } from '../common/id.pipe';
import { DeployCommands } from './deploy-commands.service';
import { DeployQueries } from './deploy-queries.service';
import {
  AuditDeployDto,
  AuditListQuery,
  ChangeVersionDto,
  CreateDeployDto,
  DeployGetQuery,
  DeployListQuery,
} from './dto';

const MEMBERS = [Role.GeneralUser, Role.BusinessAdmin, Role.SystemAdmin];

@ApiTags('deployments')
@ApiSecurity('token')
@Roles(...MEMBERS)
@Controller('v1/deploy')
export class DeployController {
  constructor(
    private readonly deployments: DeployCommands,
    private readonly queries: DeployQueries,
  ) {}

  @Post(['', 'install'])
  @HttpCode(200)
  async create(@CurrentUser() principal: Principal, @Body() dto: CreateDeployDto) {
    await this.deployments.create(principal, dto);
  }

  @Get()
  list(@CurrentUser() principal: Principal, @Query() query: DeployListQuery) {
    return this.queries.list(principal, query);
  }

  @Get('id/:id')
  async get(
    @CurrentUser() principal: Principal,
    @Param('id', ParseIdPipe) id: number,
    @Query() query: DeployGetQuery,
  ) {
    return { data: await this.queries.get(principal, id, query.field === 'historyVersion') };
  }

  @Post('id/:id')
  @HttpCode(200)
  async upgrade(
    @CurrentUser() principal: Principal,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: ChangeVersionDto,
  ) {
    await this.deployments.upgrade(principal, id, dto);
  }

  @Put('id/:id')
  async rollback(
    @CurrentUser() principal: Principal,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: ChangeVersionDto,
  ) {
    await this.deployments.rollback(principal, id, dto);
  }

  @Delete('id/:id')
  async deleteById(@CurrentUser() principal: Principal, @Param('id', ParseIdPipe) id: number) {
    await this.deployments.deleteById(principal, id);
  }

  @Delete(':deployName')
  async deleteByName(@CurrentUser() principal: Principal, @Param('deployName') deployName: string) {
    await this.deployments.deleteByName(principal, deployName);
  }
}

@ApiTags('deployments')
@ApiSecurity('token')
@Roles(Role.BusinessAdmin, Role.SystemAdmin)
@Controller('v1/admin/deploy')
export class DeployAuditController {
  constructor(
    private readonly deployments: DeployCommands,
    private readonly queries: DeployQueries,
  ) {}

  @Get()
  list(@CurrentUser() principal: Principal, @Query() query: AuditListQuery) {
    return this.queries.audits(principal, query);
  }

  @Put()
  async decide(@CurrentUser() principal: Principal, @Body() dto: AuditDeployDto) {
    await this.deployments.audit(principal, dto);
  }

  @Post()
  @HttpCode(200)
  async decideByPost(@CurrentUser() principal: Principal, @Body() dto: AuditDeployDto) {
    await this.deployments.audit(principal, dto);
  }
}
