import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor } from '../common/auth/actor';
import { ApiEnvelope, ApiErrors } from '../common/openapi';
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
  DeploymentDetail,
  DeploymentListItem,
  DeployListQuery,
  DeployRequestView,
} from './dto';

const MEMBERS = [Role.GeneralUser, Role.BusinessAdmin, Role.SystemAdmin];

@ApiTags('deployments')
@Roles(...MEMBERS)
@Controller('v1/deploy')
export class DeployController {
  constructor(
    private readonly deployments: DeployCommands,
    private readonly queries: DeployQueries,
  ) {}

  @ApiOperation({ summary: 'Request a deployment of an application version to labelled clusters' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY)
  @Post(['', 'install'])
  @HttpCode(200)
  async create(@CurrentActor() actor: Actor, @Body() dto: CreateDeployDto) {
    await this.deployments.create(actor, dto);
  }

  @ApiOperation({ summary: 'List deployments with their per-cluster state' })
  @ApiEnvelope({ data: [DeploymentListItem], paged: true })
  @ApiErrors(HttpStatus.UNPROCESSABLE_ENTITY)
  @Get()
  list(@CurrentUser() principal: Principal, @Query() query: DeployListQuery) {
    return this.queries.list(principal, query);
  }

  @ApiOperation({ summary: 'Get one deployment, optionally with its version history' })
  @ApiEnvelope({ data: DeploymentDetail })
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY)
  @Get('id/:id')
  async get(
    @CurrentUser() principal: Principal,
    @Param('id', ParseIdPipe) id: number,
    @Query() query: DeployGetQuery,
  ) {
    return { data: await this.queries.get(principal, id, query.field === 'historyVersion') };
  }

  @ApiOperation({ summary: 'Request an upgrade to another version' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY)
  @Post('id/:id')
  @HttpCode(200)
  async upgrade(
    @CurrentActor() actor: Actor,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: ChangeVersionDto,
  ) {
    await this.deployments.upgrade(actor, id, dto);
  }

  @ApiOperation({ summary: 'Request a rollback to a version the deployment ran before' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY)
  @Put('id/:id')
  async rollback(
    @CurrentActor() actor: Actor,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: ChangeVersionDto,
  ) {
    await this.deployments.rollback(actor, id, dto);
  }

  @ApiOperation({ summary: 'Request the deletion of a deployment by id' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY)
  @Delete('id/:id')
  async deleteById(@CurrentActor() actor: Actor, @Param('id', ParseIdPipe) id: number) {
    await this.deployments.deleteById(actor, id);
  }

  @ApiOperation({ summary: 'Request the deletion of a deployment by name' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT)
  @Delete(':deployName')
  async deleteByName(@CurrentActor() actor: Actor, @Param('deployName') deployName: string) {
    await this.deployments.deleteByName(actor, deployName);
  }
}

@ApiTags('deployments')
@Roles(Role.BusinessAdmin, Role.SystemAdmin)
@Controller('v1/admin/deploy')
export class DeployAuditController {
  constructor(
    private readonly deployments: DeployCommands,
    private readonly queries: DeployQueries,
  ) {}

  @ApiOperation({ summary: 'The deployment requests to audit, newest first by default' })
  @ApiEnvelope({ data: [DeployRequestView], paged: true })
  @ApiErrors(HttpStatus.UNPROCESSABLE_ENTITY)
  @Get()
  list(@CurrentUser() principal: Principal, @Query() query: AuditListQuery) {
    return this.queries.audits(principal, query);
  }

  @ApiOperation({ summary: 'Approve or disapprove a deployment request with a comment' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY)
  @Put()
  async decide(@CurrentActor() actor: Actor, @Body() dto: AuditDeployDto) {
    await this.deployments.audit(actor, dto);
  }

  @ApiOperation({ summary: 'Approve or disapprove a deployment request (the same as PUT)' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY)
  @Post()
  @HttpCode(200)
  async decideByPost(@CurrentActor() actor: Actor, @Body() dto: AuditDeployDto) {
    await this.deployments.audit(actor, dto);
  }
}
