import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor } from '../common/auth/actor';
import { CurrentUser, Roles } from '../common/auth/decorators';
import { Principal, Role } from '../common/auth/principal';
import { ParseIdPipe } from '../common/id.pipe';
import { DeployService } from './deploy.service';
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
  constructor(private readonly deployments: DeployService) {}

  @Post(['', 'install'])
  @HttpCode(200)
  async create(@CurrentUser() principal: Principal, @Body() dto: CreateDeployDto) {
    await this.deployments.create(principal, dto);
  }

  @Get()
  list(@CurrentUser() principal: Principal, @Query() query: DeployListQuery) {
    return this.deployments.list(principal, query);
  }

  @Get('id/:id')
  async get(
    @CurrentUser() principal: Principal,
    @Param('id', ParseIdPipe) id: number,
    @Query() query: DeployGetQuery,
  ) {
    return { data: await this.deployments.get(principal, id, query.field === 'historyVersion') };
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
  constructor(private readonly deployments: DeployService) {}

  @Get()
  list(@CurrentUser() principal: Principal, @Query() query: AuditListQuery) {
    return this.deployments.audits(principal, query);
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
