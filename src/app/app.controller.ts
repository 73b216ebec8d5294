import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope, ApiErrors } from '../common/openapi';
import { CurrentUser, Roles } from '../common/auth/decorators';
import { Principal, Role } from '../common/auth/principal';
import { ParseIdPipe } from '../common/id.pipe';
import { AppService } from './app.service';
import { AppListQuery, AppVersionView, CreateAppDto, DeleteAppsDto } from './dto';

/** Members of an approved business manage its applications; system administrators read every business's. */
const MEMBERS = [Role.GeneralUser, Role.BusinessAdmin];
const READERS = [...MEMBERS, Role.SystemAdmin];

@ApiTags('applications')
@Controller('v1/app')
export class AppController {
  constructor(private readonly apps: AppService) {}

  @ApiOperation({ summary: 'Create an application version (a package) in your business' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.FORBIDDEN, HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(...MEMBERS)
  @Post()
  @HttpCode(200)
  async create(@CurrentUser() principal: Principal, @Body() dto: CreateAppDto) {
    await this.apps.create(principal, dto);
  }

  /** The list goes under `data` and, for the original console, again under `apps`. */
  @ApiOperation({ summary: 'List application versions' })
  @ApiEnvelope({ data: [AppVersionView], paged: true, fields: { apps: [AppVersionView] } })
  @ApiErrors(HttpStatus.FORBIDDEN, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(...READERS)
  @Get()
  async list(@CurrentUser() principal: Principal, @Query() query: AppListQuery) {
    const { data, total } = await this.apps.list(principal, query);
    return { data, apps: data, total };
  }

  @ApiOperation({ summary: 'Get one application version' })
  @ApiEnvelope({ data: AppVersionView })
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(...READERS)
  @Get('id/:appId')
  async get(@CurrentUser() principal: Principal, @Param('appId', ParseIdPipe) appId: number) {
    return { data: await this.apps.get(principal, appId) };
  }

  @ApiOperation({ summary: 'Delete application versions no deployment runs' })
  @ApiEnvelope()
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_ENTITY)
  @Roles(...MEMBERS)
  @Delete()
  async remove(@CurrentUser() principal: Principal, @Body() dto: DeleteAppsDto) {
    await this.apps.remove(principal, dto.appId);
  }
}
