import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor } from '../common/auth/actor';
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
  async create(@CurrentActor() actor: Actor, @Body() dto: CreateDeployDto) {
    await this.deployments.create(actor, dto);
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
    @CurrentActor() actor: Actor,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: ChangeVersionDto,
  ) {
    await this.deployments.upgrade(actor, id, dto);
  }

  @Put('id/:id')
  async rollback(
    @CurrentActor() actor: Actor,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: ChangeVersionDto,
  ) {
    await this.deployments.rollback(actor, id, dto);
  }

  @Delete('id/:id')
  async deleteById(@CurrentActor() actor: Actor, @Param('id', ParseIdPipe) id: number) {
    await this.deployments.deleteById(actor, id);
  }

  @Delete(':deployName')
  async deleteByName(@CurrentActor() actor: Actor, @Param('deployName') deployName: string) {
    await this.deployments.deleteByName(actor, deployName);
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
  async decide(@CurrentActor() actor: Actor, @Body() dto: AuditDeployDto) {
    await this.deployments.audit(actor, dto);
  }

  @Post()
  @HttpCode(200)
  async decideByPost(@CurrentActor() actor: Actor, @Body() dto: AuditDeployDto) {
    await this.deployments.audit(actor, dto);
  }
}
